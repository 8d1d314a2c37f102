"""Each invocation in the gateway's own log, at INFO, two lines:

    lambda.invocations: [my-function] START 3f0c...e1 (cold start)
    lambda.invocations: [my-function] END 3f0c...e1 12.41 ms, billed 13 ms, 38/128 MB, init 104.20 ms

``START`` when the environment is handed the event; ``END`` carries what the
function log's ``END`` and ``REPORT`` lines say, with the outcome when it is not
a success (``error Runtime.ExitError``, ``timeout``, a handler's ``errorType``).
The function's name is the label (``name:version`` for a published version), as
on the function's own output lines with ``LAMBDA_LOG_FUNCTIONS=1`` (logs.py).
The full AWS lines stay in the function's CloudWatch Logs stream and ``LogType:
Tail``.
"""

from __future__ import annotations

import logging
import math
from typing import Optional

from .models import InvocationResult

log = logging.getLogger("lambda.invocations")


def label(function_name: str, version: str) -> str:
    return function_name if version == "$LATEST" else f"{function_name}:{version}"


def started(name: str, request_id: str, cold: bool) -> None:
    if log.isEnabledFor(logging.INFO):
        log.info("[%s] START %s%s", name, request_id, " (cold start)" if cold else "")


def finished(name: str, request_id: str, result: InvocationResult, memory_mb: int,
             error_type: Optional[str]) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    parts = [f"{result.duration_ms:.2f} ms", f"billed {max(1, math.ceil(result.duration_ms))} ms",
             f"{result.max_memory_mb or 1}/{memory_mb} MB"]
    if result.init_duration_ms is not None:
        parts.append(f"init {result.init_duration_ms:.2f} ms")
    if result.timed_out:
        parts.append("timeout")
    elif result.function_error:
        parts.append(f"error {error_type or result.function_error}")
    log.info("[%s] END %s %s", name, request_id, ", ".join(parts))
