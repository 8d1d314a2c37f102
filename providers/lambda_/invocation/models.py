"""Data passed through the data plane."""

from __future__ import annotations

import time
import uuid
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional


@dataclass
class Invocation:
    payload: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_context: Optional[str] = None  # base64 JSON, as sent in X-Amz-Client-Context
    cognito_identity: Optional[str] = None
    trace_id: str = ""
    deadline_ms: int = 0  # set when the invocation is handed to a runtime
    invoked_function_arn: str = ""
    streaming: bool = False

    def __post_init__(self) -> None:
        if not self.trace_id:
            epoch = format(int(time.time()), "x")
            self.trace_id = f"Root=1-{epoch}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


@dataclass
class InvocationResult:
    request_id: str
    payload: bytes = b""
    # None for success; "Unhandled" / "Handled" as in X-Amz-Function-Error.
    function_error: Optional[str] = None
    logs: str = ""
    duration_ms: float = 0.0
    init_duration_ms: Optional[float] = None
    max_memory_mb: int = 0
    executed_version: str = "$LATEST"
    timed_out: bool = False
    never_ran: bool = False  # the environment died before its runtime took the invocation
    init_timed_out: bool = False  # its init outlasted the init window: AWS retries the init within the invocation
    # The runtime answered while extensions still work on the invocation (its end comes later: extensions.py).
    extensions_running: bool = False
    # Streamed responses: the body as the function writes it, its content type,
    # and (once the stream ended) the error the function reported mid-stream.
    chunks: Optional[Iterator[bytes]] = None
    content_type: Optional[str] = None
    stream_error: Optional[tuple[str, bytes]] = None
    stream_finished: threading.Event = field(default_factory=threading.Event)
    stream_finished_callbacks: list[Callable[[], None]] = field(default_factory=list)
