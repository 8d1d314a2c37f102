"""The gateway's HTTP/1.1 server.

Why not ``http.server`` or werkzeug's dev server: they write the status line and
headers separately from the body, which on a keep-alive connection meets the
peer's delayed ACK and stalls ~40 ms per request. Here every buffered response
leaves in one ``sendall`` on a ``TCP_NODELAY`` socket; streaming bodies go out
chunk by chunk with chunked transfer encoding.

Connections cannot starve the server: an event loop (``gateway/serving/loop.py``)
owns every connection while it is idle or while its request is still arriving,
and enforces the deadlines in ``ServerLimits`` (head, body, idle); a worker from
a pool that grows on demand handles a request only once it is whole. The pieces
live in ``gateway/serving/``: ``parser`` (bytes to requests), ``connection``
(the exchange a worker runs), ``writer`` (responses), ``workers`` (the pool).

``thread_per_connection=True`` is the other mode, for servers whose peers are
few and known (the Lambda Runtime API of one environment): each accepted
connection gets its own thread for its whole life, blocking reads, the same
parser and writer.

The server knows HTTP only: it turns bytes into ``HttpRequest`` objects, hands
them to ``handler(request) -> HttpResponse`` and writes the answer.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable, Optional

from werkzeug.datastructures import Headers

from .http import HttpRequest, HttpResponse
from .serving.connection import Connection, Exchange
from .serving.limits import ServerLimits
from .serving.loop import EventLoop, accepted_by
from .serving.workers import WorkerPool

__all__ = ["HttpServer", "ServerLimits"]

log = logging.getLogger("gateway.server")


class HttpServer:
    def __init__(
        self,
        host: str,
        port: int,
        handler: Callable[[HttpRequest], HttpResponse],
        limits: Optional[ServerLimits] = None,
        stream_request: Optional[Callable[[str, str, Headers], bool]] = None,
        on_refused: Optional[Callable[[str, str, Headers, int], None]] = None,
        accept_filter: Optional[Callable[[socket.socket], bool]] = None,
        confine_connection: Optional[Callable[[socket.socket, str], Optional[str]]] = None,
        thread_per_connection: bool = False,
        max_connections: int = 64,
    ) -> None:
        """``stream_request(method, path, headers)``: requests it accepts get their
        chunked body as an iterator (``request.stream``) instead of being read whole
        first, and keep their worker while it streams. ``on_refused(method, path,
        headers, status)``: told of requests refused before the handler saw them
        (413, 408). ``accept_filter(sock)``: called with each accepted connection
        before anything is read from it, on the accepting thread (keep it quick);
        False (or an exception) closes it at once. ``confine_connection(sock,
        remote_addr)``: called once per connection, at its first request, on a
        worker; what it answers is each of its requests' ``confined_account``. ``max_connections`` bounds the
        connections of ``thread_per_connection`` mode (beyond it new ones are
        closed); the event-loop mode bounds workers (``limits.max_workers``), not
        connections."""
        self.limits = limits or ServerLimits()
        self.accept_filter = accept_filter
        self.thread_per_connection = thread_per_connection
        self.max_connections = max_connections
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(1024)
        self.host, self.port = self._sock.getsockname()[:2]
        self.exchange = Exchange(handler, self.limits, self.port, stream_request, on_refused, confine_connection)
        self._pool: Optional[WorkerPool] = None
        self._loop: Optional[EventLoop] = None
        self._accept_thread: Optional[threading.Thread] = None
        self._stopping = threading.Event()

    # Lifecycle ------------------------------------------------------------
    def start(self) -> None:
        if self.thread_per_connection:
            self._accept_thread = threading.Thread(target=self._accept_loop, name="http-accept", daemon=True)
            self._accept_thread.start()
            return
        self._pool = WorkerPool(self.limits.max_workers, self.limits.worker_idle)
        self.exchange.crowded = lambda: self._pool.saturated
        self._loop = EventLoop(self._sock, self.exchange, self._pool, self.accept_filter)
        self._loop.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._loop is not None:
            self._loop.stop()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self.exchange.shutdown_all()  # connections held by workers: their reads end
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        if self._pool is not None:
            self._pool.close()

    # Thread-per-connection mode ---------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, addr = self._sock.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.05)  # e.g. out of file descriptors: let some close
                continue
            if self.accept_filter is not None and not accepted_by(self.accept_filter, sock):
                sock.close()
                continue
            if len(self.exchange.connections) >= self.max_connections:
                log.warning("refusing a connection to %s:%s: %d already open", self.host, self.port, self.max_connections)
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, addr[0] if addr else "127.0.0.1", self.limits, time.monotonic())
            self.exchange.opened(conn)
            threading.Thread(target=self.exchange.serve, args=(conn, None), name="http-conn", daemon=True).start()
