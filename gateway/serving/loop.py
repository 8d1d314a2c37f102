"""The event loop: owns every connection that is idle or whose request is still arriving.

One thread, one ``selectors`` selector. It accepts, reads what arrives into each
connection's parser, enforces the deadlines (head, body, idle) by a sweep a few
times a second, and hands a connection to the worker pool only once a request
is whole. Thousands of idle or slow connections cost a socket each, no thread.
"""

from __future__ import annotations

import errno
import logging
import selectors
import socket
import threading
import time
from typing import Callable, Optional

from .connection import Connection, Exchange
from .parser import HEAD_READ, REQUEST_READ, BadRequest
from .workers import WorkerPool

log = logging.getLogger("gateway.server")

_WAKE = object()
_OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class EventLoop:
    def __init__(
        self,
        listener: socket.socket,
        exchange: Exchange,
        pool: WorkerPool,
        accept_filter: Optional[Callable[[socket.socket], bool]] = None,
    ) -> None:
        self.listener = listener
        self.exchange = exchange
        self.pool = pool
        self.accept_filter = accept_filter
        self.limits = exchange.limits
        self._selector = selectors.DefaultSelector()
        self._owned: set[Connection] = set()
        self._returned: list[Connection] = []
        self._returned_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = False
        self._accept_paused_until = 0.0
        timeouts = [t for t in (self.limits.header_timeout, self.limits.body_timeout, self.limits.idle_timeout) if t]
        self._tick = max(0.02, min([1.0] + [t / 4 for t in timeouts]))
        listener.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, None)
        self._selector.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        self._thread: Optional[threading.Thread] = None

    # Lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="http-loop", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def give_back(self, conn: Connection) -> None:
        """From a worker: the connection waits for its next request in the loop."""
        with self._returned_lock:
            self._returned.append(conn)
            first = len(self._returned) == 1
        if first:
            self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:  # full: the loop is already due to wake
            pass

    # The loop -------------------------------------------------------------------
    def _run(self) -> None:
        selector = self._selector
        next_sweep = time.monotonic() + self._tick
        try:
            while not self._stopping:
                for key, _ in selector.select(self._tick):
                    target = key.data
                    if target is None:
                        self._accept()
                    elif target is _WAKE:
                        self._take_back()
                    else:
                        self._readable(target)
                now = time.monotonic()
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + self._tick
        except Exception:  # noqa: BLE001 - logged; stop() still closes what is left
            log.exception("HTTP event loop failed")
        finally:
            for conn in list(self._owned):
                self.exchange.close(conn)
            self._owned.clear()
            selector.close()
            self._wake_r.close()
            self._wake_w.close()

    def _accept(self) -> None:
        for _ in range(64):  # then let the other sockets have a turn
            try:
                sock, addr = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in _OUT_OF_FILES:
                    # Out of file descriptors: leave new connections in the backlog a moment.
                    log.warning("cannot accept connections: %s; pausing accepts for 0.5 s", error.strerror)
                    self._selector.unregister(self.listener)
                    self._accept_paused_until = time.monotonic() + 0.5
                elif not self._stopping:
                    log.debug("accept failed: %s", error)
                return
            if self.accept_filter is not None and not accepted_by(self.accept_filter, sock):
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            conn = Connection(sock, addr[0] if addr else "127.0.0.1", self.limits, time.monotonic())
            self.exchange.opened(conn)
            self._own(conn)

    def _own(self, conn: Connection) -> None:
        self._owned.add(conn)
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _disown(self, conn: Connection) -> None:
        self._owned.discard(conn)
        try:
            self._selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass

    def _close(self, conn: Connection) -> None:
        self._disown(conn)
        self.exchange.close(conn)

    def _take_back(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        with self._returned_lock:
            returned, self._returned = self._returned, []
        for conn in returned:
            if self._stopping:
                self.exchange.close(conn)
                continue
            try:
                conn.sock.setblocking(False)
                self._own(conn)
            except (OSError, ValueError):  # closed meanwhile (server stopping)
                self.exchange.close(conn)

    def _readable(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(262144 if conn.parser.head is not None else 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        conn.received(data, time.monotonic())
        exchange = self.exchange
        try:
            while True:
                event = conn.parser.advance()
                if event is None:
                    return
                if event == HEAD_READ:
                    if exchange.head_read(conn):
                        conn.ready = event  # streamed: the worker reads the body as the handler consumes it
                        break
                    continue
                if event == REQUEST_READ:
                    conn.ready = event
                    break
        except BadRequest as error:
            self._disown(conn)
            if exchange.on_refused is not None:
                self.pool.submit(lambda error=error: exchange.refuse(conn, error))  # the hook may take its time
            else:
                exchange.refuse(conn, error)
            return
        except OSError:
            self._close(conn)
            return
        self._disown(conn)
        self.pool.submit(lambda: self._serve(conn))

    def _serve(self, conn: Connection) -> None:
        if self.exchange.serve(conn, self.limits.linger):
            self.give_back(conn)

    def _sweep(self, now: float) -> None:
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            self._selector.register(self.listener, selectors.EVENT_READ, None)
        limits = self.limits
        expired = [conn for conn in self._owned if (d := conn.deadline(limits)) is not None and now >= d]
        exchange = self.exchange
        for conn in expired:
            self._disown(conn)
            if exchange.on_refused is not None:
                self.pool.submit(lambda conn=conn: exchange.expire(conn))  # the hook may take its time
            else:
                exchange.expire(conn)


def accepted_by(accept_filter: Callable[[socket.socket], bool], sock: socket.socket) -> bool:
    try:
        return bool(accept_filter(sock))
    except Exception:  # noqa: BLE001 - a failing check refuses the connection
        log.exception("accept filter failed")
        return False
