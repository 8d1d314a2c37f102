"""The gateway's own HTTP request and response types.

Small on purpose: the server builds an ``HttpRequest`` straight from the socket,
parsers and providers read it, and an ``HttpResponse`` goes back out in one write.
Headers use werkzeug's case-insensitive multi-value ``Headers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Iterator, Optional, Union
from urllib.parse import parse_qs, unquote

from werkzeug.datastructures import Headers

Body = Union[bytes, Iterable[bytes]]


@dataclass
class HttpRequest:
    """One HTTP request as it arrived.

    ``path`` is the raw, still percent-encoded path (URI labels are matched on the
    raw form and decoded afterwards); ``query_string`` is the raw text after ``?``.
    """

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    remote_addr: str = "127.0.0.1"
    scheme: str = "http"
    server_port: int = 4566
    # Set only for requests the server streams (see HttpServer.stream_request):
    # the chunked body as it arrives, and its trailer fields once it ended.
    stream: Optional[Iterator[bytes]] = None
    trailers: Optional[Headers] = None

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
