"""Incremental HTTP/1.1 request parsing: bytes in, requests out, no I/O.

The event loop and the workers feed the same ``RequestParser`` with whatever
arrived, so a connection can change hands in the middle of a request. Every
limit is checked before the bytes it guards are kept: a head longer than
``max_header_bytes``, a ``Content-Length`` or a chunk-size line announcing more
than ``max_body_bytes`` are refused as soon as they are seen.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import BinaryIO, Optional

from werkzeug.datastructures import Headers

from .limits import ServerLimits

# What ``advance`` reports.
HEAD_READ = "head"  # the head is parsed and a body follows (time for 100-continue, or for streaming it)
REQUEST_READ = "request"  # a whole request is ready: ``take()`` it
CHUNK_READ = "chunk"  # streaming: a whole chunk is ready in ``chunks``

# Where the parser is.
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS = range(6)
_HEX = frozenset(b"0123456789abcdefABCDEF")
_FRAMING = frozenset(("connection", "transfer-encoding", "content-length", "expect"))


def _headers(fields: list[tuple[str, str]]) -> Headers:
    """``Headers(fields)`` without re-validating each field (~10 µs a request):
    the parser already split lines on LF and refused bare CRs, the only
    characters werkzeug checks for."""
    headers = Headers()
    headers._list = fields  # werkzeug's storage: a list of (name, value) pairs
    return headers


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # (method, path, headers) when the request line and headers were read.
        self.request_head: Optional[tuple[str, str, Headers]] = None


@dataclass
class RequestHead:
    method: str
    path: str
    query: str
    headers: Headers
    keep_alive: bool
    chunked: bool = False
    length: int = 0  # Content-Length, when not chunked
    expect_continue: bool = False

    @property
    def has_body(self) -> bool:
        return self.chunked or self.length > 0


class SpooledBody:
    """A request body as it arrives: in memory, then in an unnamed temporary file
    once it outgrows ``threshold`` bytes."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._parts: list[bytes] = []
        self.size = 0
        self.file: Optional[BinaryIO] = None

    def write(self, data) -> None:
        self.size += len(data)
        if self.file is None and self.size > self.threshold:
            self.file = tempfile.TemporaryFile()
            self.file.writelines(self._parts)
            self._parts = []
        if self.file is not None:
            self.file.write(data)
        else:
            self._parts.append(bytes(data))

    def data(self) -> bytes:
        """The in-memory body (b"" once spooled: read ``file``, positioned at 0)."""
        if self.file is not None:
            self.file.flush()
            self.file.seek(0)
            return b""
        return self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self._parts = []


class RequestParser:
    """One connection's requests, one at a time.

    ``feed`` the bytes received, then ``advance`` until it returns ``None`` (it
    needs more bytes) or ``REQUEST_READ`` (``take`` the request; bytes of the
    next one stay buffered). With ``streaming`` set after ``HEAD_READ``, a
    chunked body is not kept: each chunk is reported (``CHUNK_READ``) and left
    in ``chunks`` for the reader, one chunk at most ``max_body_bytes`` long.
    """

    def __init__(self, limits: ServerLimits) -> None:
        self.limits = limits
        self.buffer = bytearray()
        self.head: Optional[RequestHead] = None
        self.body: Optional[SpooledBody] = None
        self.trailers = Headers()
        self.streaming = False
        self.chunks: list[bytes] = []
        self._state = _HEAD
        self._scanned = 0  # bytes of the buffer already searched for the end of the head
        self._remaining = 0
        self._total = 0
        self._pieces: list[bytes] = []  # the current chunk, while streaming
        self._trailer_bytes = 0

    @property
    def between_requests(self) -> bool:
        """No byte of a next request has arrived yet."""
        return self._state == _HEAD and not self.buffer

    @property
    def reading_head(self) -> bool:
        return self._state == _HEAD

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def advance(self) -> Optional[str]:
        try:
            if self._state == _HEAD:
                return self._parse_head()
            while True:
                state = self._state
                if state == _LENGTH:
                    if not self._take_data():
                        return None
                    return self._finish()
                if state == _CHUNK_SIZE:
                    line = self._line(self.limits.max_chunk_line, 400, "Chunk size line too long")
                    if line is None:
                        return None
                    self._chunk_size(line)
                elif state == _CHUNK_DATA:
                    if not self._take_data():
                        return None
                    self._state = _CHUNK_END
                    if self.streaming:
                        self.chunks.append(b"".join(self._pieces))
                        self._pieces = []
                        return CHUNK_READ
                elif state == _CHUNK_END:
                    line = self._line(self.limits.max_chunk_line, 400, "Malformed chunked body")
                    if line is None:
                        return None
                    if line.strip(b"\r"):
                        raise BadRequest(400, "Malformed chunked body")
                    self._state = _CHUNK_SIZE
                else:  # trailers
                    line = self._line(self.limits.max_header_bytes, 431, "Request trailers too large")
                    if line is None:
                        return None
                    self._trailer_bytes += len(line) + 1
                    if self._trailer_bytes > self.limits.max_header_bytes:
                        raise BadRequest(431, "Request trailers too large")
                    if line in (b"", b"\r"):
                        return self._finish()
                    name, _, value = line.decode("latin-1").partition(":")
                    self.trailers.add(name.strip(), value.strip())
        except BadRequest as error:
            if self.head is not None:
                error.request_head = (self.head.method, self.head.path, self.head.headers)
            self.discard()
            raise

    def take(self) -> tuple[RequestHead, Optional[SpooledBody], Headers]:
        """The request just read (head, body, trailers); the parser is ready for the next one."""
        head, body, trailers = self.head, self.body, self.trailers
        assert head is not None
        self.head = self.body = None
        self.trailers = Headers()
        self.streaming = False
        self._state = _HEAD
        return head, body, trailers

    def discard(self) -> None:
        """Drop a half-read request (its spool file included)."""
        if self.body is not None:
            self.body.discard()
            self.body = None

    # The head -------------------------------------------------------------------
    def _parse_head(self) -> Optional[str]:
        buf = self.buffer
        if buf[:1] in (b"\r", b"\n"):  # tolerate stray CRLF between requests
            skip = 0
            while skip < len(buf) and buf[skip] in (13, 10):
                skip += 1
            del buf[:skip]
            self._scanned = 0
            if not buf:
                return None
        start = max(0, self._scanned - 2)
        crlf = buf.find(b"\n\r\n", start)
        lf = buf.find(b"\n\n", start)
        if crlf < 0 and lf < 0:
            self._scanned = len(buf)
            if len(buf) > self.limits.max_header_bytes:
                if b"\n" not in buf:
                    raise BadRequest(414, "Request line too long")
                raise BadRequest(431, "Request header too large")
            return None
        end, skip = (crlf, 3) if lf < 0 or 0 <= crlf < lf else (lf, 2)
        if end > self.limits.max_header_bytes:
            raise BadRequest(431, "Request header too large")
        text = buf[:end].decode("latin-1")
        del buf[: end + skip]
        self._scanned = 0
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text.rstrip("\r"):  # a bare CR inside a line
                raise BadRequest(400, "Malformed header line")
            text = text.rstrip("\r")
        lines = text.split("\n")
        try:
            method, target, version = lines[0].split(" ")
        except ValueError:
            raise BadRequest(400, "Malformed request line") from None
        if not version.startswith("HTTP/1."):
            raise BadRequest(505, "HTTP version not supported")
        if len(lines) - 1 > self.limits.max_headers:
            raise BadRequest(431, "Too many headers")
        fields = []
        framing: dict[str, str] = {}  # the first value of each header the framing depends on
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise BadRequest(400, "Malformed header line")
            value = value.strip()
            fields.append((name, value))
            lower = name.lower()
            if lower in _FRAMING and lower not in framing:
                framing[lower] = value
        headers = _headers(fields)

        connection = framing.get("connection", "").lower()
        keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        if target.startswith(("http://", "https://")):  # absolute-form (proxies)
            after_scheme = target.split("://", 1)[1]
            slash = after_scheme.find("/")
            target = after_scheme[slash:] if slash >= 0 else "/"
        path, _, query = target.partition("?")
        if not path.startswith("/"):
            path = "/" + path if path != "*" else "/"
        head = self.head = RequestHead(method.upper(), path, query, headers, keep_alive)

        if "chunked" in framing.get("transfer-encoding", "").lower():
            head.chunked = True
            self._state = _CHUNK_SIZE
        else:
            length_header = framing.get("content-length")
            if length_header:
                if not (length_header.isascii() and length_header.isdigit()):
                    raise BadRequest(400, "Invalid Content-Length")
                head.length = int(length_header)
                if head.length > self.limits.max_body_bytes:
                    raise BadRequest(413, "Request body too large")
        if not head.has_body:
            return REQUEST_READ
        head.expect_continue = framing.get("expect", "").lower() == "100-continue"
        self.body = SpooledBody(self.limits.spool_body_bytes)
        self._total = 0
        self._trailer_bytes = 0
        if not head.chunked:
            self._state = _LENGTH
            self._remaining = head.length
        return HEAD_READ

    # The body -------------------------------------------------------------------
    def _take_data(self) -> bool:
        """Move what arrived of the current length (or chunk) into the body; True once it is whole."""
        buf = self.buffer
        count = min(len(buf), self._remaining)
        if count:
            if self.streaming:
                self._pieces.append(bytes(buf[:count]))
            elif count == len(buf):
                self.body.write(bytes(buf))
            else:
                with memoryview(buf) as view:
                    self.body.write(view[:count])
            del buf[:count]
            self._remaining -= count
        return self._remaining == 0

    def _chunk_size(self, line: bytes) -> None:
        text = line.split(b";", 1)[0].strip()
        if not text or not _HEX.issuperset(text):  # hex digits only: no sign, no "0x", no "_"
            raise BadRequest(400, "Malformed chunk size")
        size = int(text, 16)
        limit = self.limits.max_body_bytes
        if size > limit or (not self.streaming and self._total + size > limit):
            raise BadRequest(413, "Request body too large")
        if size == 0:
            self._state = _TRAILERS
            return
        self._total += size
        self._remaining = size
        self._state = _CHUNK_DATA

    def _line(self, limit: int, status: int, message: str) -> Optional[bytes]:
        buf = self.buffer
        end = buf.find(b"\n", 0, limit + 1)
        if end < 0:
            if len(buf) > limit:
                raise BadRequest(status, message)
            return None
        line = bytes(buf[:end])
        del buf[: end + 1]
        return line

    def _finish(self) -> str:
        self._state = _HEAD
        return REQUEST_READ
