"""What one HTTP server accepts from its clients, and for how long it waits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """Sizes in bytes, times in seconds; a ``None`` timeout never expires.

    Deadlines are enforced without holding a worker: a connection that is idle,
    or whose request is still arriving, belongs to the event loop.
    """

    max_body_bytes: int = 100 * MiB  # larger -> 413, refused before reading it
    spool_body_bytes: int = 1 * MiB  # larger bodies go to an unnamed temporary file (HttpRequest.body_file)
    max_header_bytes: int = 64 * 1024  # request line + header fields (+ chunked trailers)
    max_headers: int = 200
    max_chunk_line: int = 4096  # a chunk-size line, extensions included
    header_timeout: Optional[float] = 20.0  # a request's head must arrive whole within this
    body_timeout: Optional[float] = 20.0  # longest silence while a body arrives (or a response is read)
    idle_timeout: Optional[float] = 60.0  # a keep-alive connection with no request is closed after this
    max_workers: int = 2048  # requests handled at once; the pool grows on demand up to this
    worker_idle: float = 30.0  # an idle worker thread ends after this
    # After answering, a worker waits this long for the next request on the same
    # connection before giving it back to the event loop: a keep-alive client in
    # a loop then pays no hand-off per request.
    linger: float = 0.005
