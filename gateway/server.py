"""A small threaded HTTP/1.1 server for the gateway.

Why not ``http.server`` or werkzeug's dev server: they write the status line and
headers separately from the body, which on a keep-alive connection meets the
peer's delayed ACK and stalls ~40 ms per request. Here every buffered response
leaves in one ``sendall`` on a ``TCP_NODELAY`` socket; streaming bodies go out
chunk by chunk with chunked transfer encoding.

The server knows HTTP only: it turns bytes into ``HttpRequest`` objects, hands
them to ``handler(request) -> HttpResponse`` and writes the answer.
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
from http import HTTPStatus
from typing import Callable, Iterator, Optional

from werkzeug.datastructures import Headers

from .http import HttpRequest, HttpResponse

log = logging.getLogger("gateway.server")

MAX_LINE = 65536
MAX_HEADERS = 200
IDLE_TIMEOUT = 120.0
SPOOL_BODY_BYTES = 1024 * 1024  # larger request bodies go to an unnamed temporary file
_REASONS = {status.value: status.phrase for status in HTTPStatus}


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # (method, path, headers) when the request line and headers were read.
        self.request_head: Optional[tuple[str, str, Headers]] = None


class _Body:
    """A request body as it arrives: in memory, then spooled once it outgrows SPOOL_BODY_BYTES."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self.file = None

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self.file is None and self._size > SPOOL_BODY_BYTES:
            self.file = tempfile.TemporaryFile()
            self.file.writelines(self._parts)
            self._parts = []
        if self.file is not None:
            self.file.write(data)
        else:
            self._parts.append(data)

    @property
    def data(self) -> bytes:
        if self.file is not None:
            self.file.seek(0)
            return b""
        return b"".join(self._parts)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


class HttpServer:
    def __init__(
        self,
        host: str,
        port: int,
        handler: Callable[[HttpRequest], HttpResponse],
        max_body_bytes: int = 100 * 1024 * 1024,
        max_connections: int = 64,
        stream_request: Optional[Callable[[str, str, Headers], bool]] = None,
        on_refused: Optional[Callable[[str, str, Headers, int], None]] = None,
    ) -> None:
        self.handler = handler
        # Requests this predicate accepts get their chunked body as an iterator
        # (``request.stream``) instead of being read whole first.
        self.stream_request = stream_request
        # Told of requests refused before the handler saw them (e.g. 413).
        self.on_refused = on_refused
        self.max_body_bytes = max_body_bytes
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(256)
        self.host, self.port = self._sock.getsockname()[:2]
        self._slots = threading.BoundedSemaphore(max_connections)
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._accept_thread: Optional[threading.Thread] = None

    # Lifecycle ------------------------------------------------------------
    def start(self) -> None:
        self._accept_thread = threading.Thread(target=self._accept_loop, name="http-accept", daemon=True)
        self._accept_thread.start()

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._accept_thread:
            self._accept_thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, addr = self._sock.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            self._slots.acquire()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn, addr), name="http-conn", daemon=True).start()

    # One connection ---------------------------------------------------------
    def _serve(self, conn: socket.socket, addr: tuple) -> None:
        try:
            conn.settimeout(IDLE_TIMEOUT)
            reader = conn.makefile("rb", buffering=65536)
            while not self._stopping.is_set():
                try:
                    request, keep_alive = self._read_request(reader, conn, addr)
                except BadRequest as error:
                    if self.on_refused is not None and error.request_head is not None:
                        self.on_refused(*error.request_head, error.status)
                    self._send_simple(conn, error.status, error.message)
                    return
                if request is None:
                    return
                spooled = request.body_file
                try:
                    response = self.handler(request)
                    if request.stream is not None:
                        for _ in request.stream:  # whatever the handler left unread
                            pass
                    keep_alive = self._send(conn, request, response, keep_alive)
                finally:
                    if spooled is not None:
                        spooled.close()
                if not keep_alive:
                    return
        except (ConnectionError, socket.timeout, OSError):
            pass
        except Exception:  # noqa: BLE001 - a connection must never take the server down
            log.exception("unexpected error serving %s", addr)
        finally:
            with self._lock:
                self._connections.discard(conn)
            try:
                conn.close()
            except OSError:
                pass
            self._slots.release()

    def _read_request(self, reader, conn: socket.socket, addr: tuple) -> tuple[Optional[HttpRequest], bool]:
        line = reader.readline(MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests
            line = reader.readline(MAX_LINE + 1)
        if not line:
            return None, False
        if len(line) > MAX_LINE:
            raise BadRequest(414, "Request line too long")
        try:
            method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ")
        except ValueError:
            raise BadRequest(400, "Malformed request line") from None
        if not version.startswith("HTTP/1."):
            raise BadRequest(505, "HTTP version not supported")
        headers = Headers()
        for _ in range(MAX_HEADERS + 1):
            raw = reader.readline(MAX_LINE + 1)
            if len(raw) > MAX_LINE:
                raise BadRequest(431, "Request header too long")
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep or not name or name != name.strip():
                raise BadRequest(400, "Malformed header line")
            headers.add(name, value.strip())
        else:
            raise BadRequest(431, "Too many headers")

        connection = headers.get("Connection", "").lower()
        keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection

        if target.startswith(("http://", "https://")):  # absolute-form (proxies)
            after_scheme = target.split("://", 1)[1]
            slash = after_scheme.find("/")
            target = after_scheme[slash:] if slash >= 0 else "/"
        path, _, query = target.partition("?")
        if not path.startswith("/"):
            path = "/" + path if path != "*" else "/"

        stream = None
        trailers = Headers()
        if (
            self.stream_request is not None
            and "chunked" in headers.get("Transfer-Encoding", "").lower()
            and self.stream_request(method, path, headers)
        ):
            body = _Body()
            stream = self._iter_chunked(reader, trailers)
        else:
            try:
                body = self._read_body(reader, conn, headers)
            except BadRequest as error:
                error.request_head = (method.upper(), path, headers)
                raise
        request = HttpRequest(
            method=method.upper(),
            path=path,
            query_string=query,
            headers=headers,
            body=body.data,
            body_file=body.file,
            remote_addr=addr[0] if addr else "127.0.0.1",
            server_port=self.port,
        )
        request.stream = stream
        request.trailers = trailers
        return request, keep_alive

    def _read_body(self, reader, conn: socket.socket, headers: Headers) -> "_Body":
        transfer_encoding = headers.get("Transfer-Encoding", "").lower()
        length_header = headers.get("Content-Length")
        if "chunked" not in transfer_encoding and not length_header:
            return _Body()
        if headers.get("Expect", "").lower() == "100-continue":
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in transfer_encoding:
            return self._read_chunked(reader)
        try:
            length = int(length_header)
        except (TypeError, ValueError):
            raise BadRequest(400, "Invalid Content-Length") from None
        if length < 0:
            raise BadRequest(400, "Invalid Content-Length")
        if length > self.max_body_bytes:
            raise BadRequest(413, "Request body too large")
        body = _Body()
        remaining = length
        while remaining:
            data = reader.read(min(remaining, 65536))
            if not data:
                body.discard()
                raise ConnectionError("client closed before sending the whole body")
            body.write(data)
            remaining -= len(data)
        return body

    @staticmethod
    def _iter_chunked(reader, trailers: Headers) -> Iterator[bytes]:
        """Chunks as they arrive; trailer fields are added to ``trailers``."""
        while True:
            size_line = reader.readline(MAX_LINE + 1)
            if not size_line:
                raise ConnectionError("client closed in the middle of a chunked body")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ConnectionError("malformed chunk size") from None
            if size == 0:
                while True:
                    line = reader.readline(MAX_LINE + 1)
                    if line in (b"\r\n", b"\n", b""):
                        return
                    name, _, value = line.decode("latin-1").partition(":")
                    trailers.add(name.strip(), value.strip())
            data = reader.read(size)
            reader.readline(MAX_LINE + 1)
            yield data

    def _read_chunked(self, reader) -> "_Body":
        body = _Body()
        try:
            return self._read_chunks(reader, body)
        except BaseException:
            body.discard()
            raise

    def _read_chunks(self, reader, body: "_Body") -> "_Body":
        total = 0
        while True:
            size_line = reader.readline(MAX_LINE + 1)
            try:
                text = size_line.split(b";", 1)[0].strip()
                if not text.isalnum():  # hex digits only: no sign, no "0x", no "_"
                    raise ValueError(text)
                size = int(text, 16)
            except ValueError:
                raise BadRequest(400, "Malformed chunk size") from None
            if size == 0:
                while reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body
            total += size
            if total > self.max_body_bytes:
                raise BadRequest(413, "Request body too large")
            while size:
                data = reader.read(min(size, 65536))
                if not data:
                    raise ConnectionError("client closed in the middle of a chunked body")
                body.write(data)
                size -= len(data)
            reader.readline(MAX_LINE + 1)

    # Writing ------------------------------------------------------------------
    def _send(self, conn: socket.socket, request: HttpRequest, response: HttpResponse, keep_alive: bool) -> bool:
        status = response.status
        head = [f"HTTP/1.1 {status} {_reason(status)}"]
        has_length = "Content-Length" in response.headers
        no_body = request.method == "HEAD" or status in (204, 304) or 100 <= status < 200
        streaming = response.streaming and not no_body
        for name, value in response.headers.items():
            if name.lower() in ("connection", "transfer-encoding"):
                continue
            head.append(f"{name}: {value}")
        if not streaming and not has_length and status not in (204, 304):
            body = response.read_body()  # HEAD: the length of the body a GET would get
            head.append(f"Content-Length: {len(body)}")
        elif streaming and not has_length:
            head.append("Transfer-Encoding: chunked")
            body = b""
        else:
            body = b"" if (no_body or streaming) else response.read_body()
        if not keep_alive:
            head.append("Connection: close")
        head_bytes = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")

        if no_body:
            if response.streaming:
                close = getattr(response.body, "close", None)
                if close:
                    close()
            conn.sendall(head_bytes)
            return keep_alive
        if not streaming:
            conn.sendall(head_bytes + body)
            return keep_alive
        chunked = not has_length
        pending = head_bytes
        try:
            for chunk in response.iter_body():
                if not chunk:
                    continue
                data = b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk
                conn.sendall(pending + data)
                pending = b""
        finally:
            close = getattr(response.body, "close", None)
            if close:
                close()
        conn.sendall(pending + (b"0\r\n\r\n" if chunked else b""))
        return keep_alive

    def _send_simple(self, conn: socket.socket, status: int, message: str) -> None:
        body = message.encode()
        head = f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        try:
            conn.sendall(head.encode("latin-1") + body)
        except OSError:
            pass
