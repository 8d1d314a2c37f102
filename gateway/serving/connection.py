"""One client connection, and the request/response exchange a worker runs on it.

A connection belongs to one owner at a time: the event loop while it is idle or
while a request is still arriving, a worker once a request is whole (or, for a
streamed request, once its head is read). The worker answers it, then waits a
short moment (``linger``) for the next request on the same connection, and gives
the connection back to the loop when none comes: a keep-alive client in a tight
loop stays on its worker and pays no hand-off per request.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from typing import Callable, Iterator, Optional

from werkzeug.datastructures import Headers

from ..http import HttpRequest, HttpResponse
from .limits import ServerLimits
from .parser import CHUNK_READ, HEAD_READ, REQUEST_READ, BadRequest, RequestParser
from .writer import CONTINUE, simple_response, write_response

log = logging.getLogger("gateway.server")

RECV_BYTES = 65536


class Connection:
    __slots__ = ("sock", "remote_addr", "parser", "fresh", "started", "progressed", "ready", "_recv_timeout",
                 "confined_account", "confinement_known")

    def __init__(self, sock: socket.socket, remote_addr: str, limits: ServerLimits, now: float) -> None:
        self.sock = sock
        self.remote_addr = remote_addr
        self.parser = RequestParser(limits)
        self.fresh = True  # no request yet: its head is due within header_timeout of the accept
        self.started = now  # when the current request's first byte came (or the accept, or the last answer)
        self.progressed = now  # when the last byte came
        # What the event loop read before handing the connection over: REQUEST_READ
        # (a whole request), HEAD_READ (a streamed request's head), or None.
        self.ready: Optional[str] = None
        self._recv_timeout: Optional[float] = -1.0  # unknown
        # The account the connection is confined to (see HttpServer's confine_connection),
        # found at its first request.
        self.confined_account: Optional[str] = None
        self.confinement_known = False

    def block(self, send_timeout: Optional[float]) -> None:
        """Blocking mode for a worker. Waits are bounded by SO_RCVTIMEO/SO_SNDTIMEO
        rather than Python's socket timeout, which polls before every call: a
        request then costs one recv and one send."""
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(send_timeout))
        self._recv_timeout = -1.0

    def recv(self, timeout: Optional[float]) -> bytes:
        """Bytes from the client (b"" once it closed); BlockingIOError after ``timeout`` seconds."""
        if timeout != self._recv_timeout:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(timeout))
            self._recv_timeout = timeout
        return self.sock.recv(RECV_BYTES)

    def received(self, data: bytes, now: float) -> None:
        if self.parser.between_requests and not self.fresh:
            self.started = now
        self.progressed = now
        self.parser.feed(data)

    def answered(self, now: float) -> None:
        self.fresh = False
        self.started = self.progressed = now

    def deadline(self, limits: ServerLimits) -> Optional[float]:
        """When the current wait for the client ends (monotonic), or None."""
        parser = self.parser
        if parser.reading_head:
            if parser.between_requests and not self.fresh:
                timeout = limits.idle_timeout
            else:
                timeout = limits.header_timeout
            return None if timeout is None else self.started + timeout
        return None if limits.body_timeout is None else self.progressed + limits.body_timeout


def _timeval(seconds: Optional[float]) -> bytes:
    """A ``struct timeval``; 0 (never) for None."""
    if seconds is None:
        return struct.pack("ll", 0, 0)
    seconds = max(seconds, 0.001)
    return struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000))


class Exchange:
    """What a server does with a connection's requests: the handler and its hooks."""

    def __init__(
        self,
        handler: Callable[[HttpRequest], HttpResponse],
        limits: ServerLimits,
        port: int,
        stream_request: Optional[Callable[[str, str, Headers], bool]] = None,
        on_refused: Optional[Callable[[str, str, Headers, int], None]] = None,
        confine_connection: Optional[Callable[[socket.socket, str], Optional[str]]] = None,
    ) -> None:
        self.handler = handler
        self.limits = limits
        self.port = port
        self.stream_request = stream_request
        self.on_refused = on_refused
        self.confine_connection = confine_connection
        self.connections: set[Connection] = set()
        self._lock = threading.Lock()
        # True while requests wait for a worker: a worker then gives its connection
        # back to the loop at once instead of lingering on it.
        self.crowded: Callable[[], bool] = lambda: False

    # Bookkeeping -----------------------------------------------------------------
    def opened(self, conn: Connection) -> None:
        with self._lock:
            self.connections.add(conn)

    def close(self, conn: Connection) -> None:
        conn.parser.discard()
        with self._lock:
            self.connections.discard(conn)
        try:
            conn.sock.close()
        except OSError:
            pass

    def shutdown_all(self) -> None:
        with self._lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # Decisions shared by the loop and the workers ---------------------------------
    def head_read(self, conn: Connection) -> bool:
        """A head with a body just arrived; True when the request streams (hand it over now)."""
        head = conn.parser.head
        if head.chunked and self.stream_request is not None and self.stream_request(head.method, head.path, head.headers):
            conn.parser.streaming = True
            return True
        if head.expect_continue and not conn.parser.buffer:
            conn.sock.send(CONTINUE)  # 25 bytes on a socket with nothing queued: never blocks
        return False

    def refuse(self, conn: Connection, error: BadRequest) -> None:
        """Answer a request refused before the handler saw it, and close."""
        if self.on_refused is not None and error.request_head is not None:
            try:
                self.on_refused(*error.request_head, error.status)
            except Exception:  # noqa: BLE001
                log.exception("on_refused hook failed")
        self.say_and_close(conn, error.status, error.message)

    def expire(self, conn: Connection) -> None:
        """The client let a deadline pass: 408 if a request had begun, then close."""
        if not conn.parser.between_requests:
            head = conn.parser.head
            if self.on_refused is not None and head is not None:
                try:
                    self.on_refused(head.method, head.path, head.headers, 408)
                except Exception:  # noqa: BLE001
                    log.exception("on_refused hook failed")
            self.say_and_close(conn, 408, "Request timed out")
        else:
            self.close(conn)

    def say_and_close(self, conn: Connection, status: int, message: str) -> None:
        try:
            conn.sock.send(simple_response(status, message))  # small: fits the empty send buffer
        except OSError:
            pass
        self.close(conn)

    # The worker's side ------------------------------------------------------------
    def serve(self, conn: Connection, linger: Optional[float]) -> bool:
        """Answer the request ready on ``conn`` and those that follow while they come
        promptly: within ``linger`` seconds of each answer (``None``: wait as long
        as the deadlines allow). True: give the connection back to the event loop;
        False: it is closed."""
        parser = conn.parser
        limits = self.limits
        linger_until: Optional[float] = None
        try:
            conn.block(limits.body_timeout)
            while True:
                event, conn.ready = conn.ready or parser.advance(), None
                if event == REQUEST_READ or (event == HEAD_READ and parser.streaming):
                    if not self._answer(conn, self._stream(conn) if parser.streaming else None):
                        return False
                    linger_until = None
                    continue
                if event == HEAD_READ:
                    if self.head_read(conn):
                        conn.ready = HEAD_READ
                    continue
                # More bytes needed: wait for them, within the linger and the deadline.
                now = time.monotonic()
                deadline = conn.deadline(limits)
                if deadline is not None and now >= deadline:
                    self.expire(conn)
                    return False
                if linger is not None:
                    if linger_until is None:
                        linger_until = now + linger
                    elif now >= linger_until or self.crowded():
                        return True  # the event loop waits from here, at no worker's cost
                    wait = linger  # the deadlines are seconds away: checked after each wait
                else:
                    wait = None if deadline is None else deadline - now
                try:
                    data = conn.recv(wait)
                except BlockingIOError:  # the wait ended
                    continue
                if not data:
                    self.close(conn)
                    return False
                conn.received(data, time.monotonic())
        except BadRequest as error:
            self.refuse(conn, error)
        except (ConnectionError, OSError):
            self.close(conn)
        except Exception:  # noqa: BLE001 - a connection must never take the server down
            log.exception("unexpected error serving %s", conn.remote_addr)
            self.close(conn)
        return False

    def _answer(self, conn: Connection, stream: Optional[Iterator[bytes]]) -> bool:
        """Run the handler on the request read (or streaming) and send its answer; False once closed."""
        parser = conn.parser
        if stream is None:
            head, body, trailers = parser.take()
        else:
            head, body, trailers = parser.head, None, parser.trailers
        if not conn.confinement_known:
            if self.confine_connection is not None:
                conn.confined_account = self.confine_connection(conn.sock, conn.remote_addr)
            conn.confinement_known = True
        request = HttpRequest(
            head.method,
            head.path,
            head.query,
            head.headers,
            body.data() if body is not None else b"",
            conn.remote_addr,
            server_port=self.port,
            stream=stream,
            trailers=trailers,
            body_file=body.file if body is not None else None,
            body_length=body.size if body is not None else 0,
            confined_account=conn.confined_account,
        )
        try:
            response = self.handler(request)
            if stream is not None:
                for _ in stream:  # whatever the handler left unread
                    pass
                parser.take()
            keep_alive = write_response(conn.sock, head.method, response, head.keep_alive)
        finally:
            if body is not None:
                body.discard()
        if not keep_alive:
            self.close(conn)
            return False
        conn.answered(time.monotonic())
        return True

    def _stream(self, conn: Connection) -> Iterator[bytes]:
        """A chunked body as it arrives, one chunk at a time (each at most max_body_bytes)."""
        parser = conn.parser
        while True:
            try:
                event = parser.advance()
            except BadRequest as error:
                raise ConnectionError(error.message) from None
            if event == CHUNK_READ:
                yield parser.chunks.pop(0)
            elif event == REQUEST_READ:
                return
            else:
                try:
                    data = conn.recv(self.limits.body_timeout)
                except BlockingIOError:
                    raise ConnectionError("the client stopped sending its body") from None
                if not data:
                    raise ConnectionError("client closed in the middle of a chunked body")
                conn.received(data, time.monotonic())
