"""The gateway's own HTTP request and response types.

Small on purpose: the server builds an ``HttpRequest`` straight from the socket,
parsers and providers read it, and an ``HttpResponse`` goes back out in one write.
Headers use werkzeug's case-insensitive multi-value ``Headers``.

Request bodies: small or large
------------------------------
A body up to the server's spool threshold (``GATEWAY_SPOOL_BODY_BYTES``) arrives
in memory; a larger one is written, as it arrives, to an unnamed temporary file
(gone from the disk as soon as it is closed, or when the process dies), so a
70 MB ``CreateFunction`` costs the gateway no 70 MB object. The contract:

- ``request.body_file`` is that file (binary, readable, seekable, positioned at
  0 when the handler is called), or ``None`` when the body is in memory.
- ``request.body_length`` is the body's size in bytes either way, without
  reading anything: check size limits with it, before work.
- ``request.open_body()`` returns a binary file object positioned at 0 over the
  body either way (the spool file itself, or a ``BytesIO`` over the bytes): code
  that can consume a stream (a JSON parser, a zip reader, a copy to disk) reads
  this and never holds the whole body. Do not close it; read it before the
  handler returns (the server closes the spool file once the response is sent).
  Whoever reads it again starts with ``seek(0)``.
- ``request.body`` stays the whole body as ``bytes`` for every existing caller;
  on a spooled request it reads the file once, on first use (the cost large
  bodies are spooled to avoid, so large-body paths use ``open_body()``).
  Assigning ``request.body`` replaces the body and drops the spool file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO, Iterable, Iterator, Optional, Union
from urllib.parse import parse_qs, unquote

from werkzeug.datastructures import Headers

Body = Union[bytes, Iterable[bytes]]


class HttpRequest:
    """One HTTP request as it arrived.

    ``path`` is the raw, still percent-encoded path (URI labels are matched on the
    raw form and decoded afterwards); ``query_string`` is the raw text after ``?``.
    The body is in memory (``body``) or spooled (``body_file``): see the module
    docstring for the contract.
    """

    def __init__(
        self,
        method: str,
        path: str,
        query_string: str = "",
        headers: Optional[Headers] = None,
        body: bytes = b"",
        remote_addr: str = "127.0.0.1",
        scheme: str = "http",
        server_port: int = 4566,
        stream: Optional[Iterator[bytes]] = None,
        trailers: Optional[Headers] = None,
        body_file: Optional[BinaryIO] = None,
        body_length: Optional[int] = None,
        confined_account: Optional[str] = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.headers = Headers() if headers is None else headers
        self.remote_addr = remote_addr
        self.scheme = scheme
        self.server_port = server_port
        # Set only for requests the server streams (see HttpServer.stream_request):
        # the chunked body as it arrives, and its trailer fields once it ended.
        self.stream = stream
        self.trailers = trailers
        self._body: Optional[bytes] = None if body_file is not None else bytes(body)
        self.body_file = body_file
        if body_file is not None and body_length is None:
            body_length = body_file.seek(0, io.SEEK_END)
            body_file.seek(0)
        self._body_length = body_length
        # The account the request's connection is confined to: it came from inside a
        # function's execution environment (gateway/connection_accounts.py).
        self.confined_account = confined_account

    @property
    def body(self) -> bytes:
        """The whole body; a spooled body is read from its file on first use."""
        if self._body is None:
            assert self.body_file is not None
            self.body_file.seek(0)
            self._body = self.body_file.read()
            self.body_file.seek(0)
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        self._body = bytes(value)
        self._body_length = None
        self.body_file = None  # the server still closes the file it spooled to

    @property
    def body_length(self) -> int:
        """The body's size in bytes, without reading a spooled body."""
        if self._body is not None:
            return len(self._body)
        assert self._body_length is not None
        return self._body_length

    def open_body(self) -> BinaryIO:
        """The body as a binary file object positioned at 0 (do not close it)."""
        if self._body is None and self.body_file is not None:
            self.body_file.seek(0)
            return self.body_file
        return io.BytesIO(self.body)

    @cached_property
    def query_args(self) -> dict[str, list[str]]:
        """Query parameters, every value kept (``?a=1&a=2`` -> ``{"a": ["1", "2"]}``)."""
        return parse_qs(self.query_string, keep_blank_values=True)

    @cached_property
    def decoded_path(self) -> str:
        return unquote(self.path)

    @property
    def host(self) -> str:
        return self.headers.get("Host", "")

    @property
    def url(self) -> str:
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.scheme}://{self.host or 'localhost'}{self.path}{query}"

    def __repr__(self) -> str:
        spooled = ", spooled" if self._body is None else ""
        return f"<HttpRequest {self.method} {self.path} body={self.body_length} bytes{spooled}>"


@dataclass
class HttpResponse:
    """A response. ``body`` is bytes, or an iterable of byte chunks to stream
    (sent with chunked transfer encoding unless a Content-Length is set)."""

    status: int = 200
    headers: Headers = field(default_factory=Headers)
    body: Body = b""

    @property
    def streaming(self) -> bool:
        return not isinstance(self.body, (bytes, bytearray))

    def iter_body(self) -> Iterator[bytes]:
        if isinstance(self.body, (bytes, bytearray)):
            yield bytes(self.body)
        else:
            yield from self.body

    def read_body(self) -> bytes:
        """The whole body (consumes a streaming body)."""
        return b"".join(self.iter_body())
