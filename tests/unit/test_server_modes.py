"""HttpServer in both modes (event loop + workers, thread per connection) with tiny handlers:
keep-alive and pipelining, 100-continue, HEAD, absolute-form targets, streamed request bodies,
the accept filter, and limits checked before the bytes they guard are kept."""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse
from gateway.server import HttpServer, ServerLimits

MODES = [pytest.param(False, id="event-loop"), pytest.param(True, id="thread-per-connection")]


def _echo(request: HttpRequest) -> HttpResponse:
    if request.stream is not None:
        body = b"|".join(request.stream)
        body += b"#" + repr(sorted(request.trailers.items())).encode()
    else:
        body = request.body
    text = f"{request.method} {request.path} {request.query_string} ".encode() + body
    return HttpResponse(200, Headers({"Content-Type": "text/plain"}), text)


@pytest.fixture
def serve():
    servers: list[HttpServer] = []

    def start(thread_per_connection: bool, **options) -> HttpServer:
        server = HttpServer("127.0.0.1", 0, options.pop("handler", _echo), thread_per_connection=thread_per_connection,
                            **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _connect(server: HttpServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _read_response(sock: socket.socket, buffer: bytearray, head_only: bool = False) -> tuple[bytes, bytes]:
    """One response (with a Content-Length) from ``sock``; returns (head, body)."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, f"closed after {bytes(buffer)!r}"
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    del buffer[: len(head) + 4]
    length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    if head.startswith(b"HTTP/1.1 100 ") or head_only:
        return head, b""
    if length:
        while len(buffer) < length[0]:
            buffer += sock.recv(65536)
        body = bytes(buffer[: length[0]])
        del buffer[: length[0]]
        return head, body
    return head, b""


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_keep_alive_pipelining_head_and_absolute_form(serve, thread_per_connection):
    server = serve(thread_per_connection)
    with _connect(server) as sock:
        buffer = bytearray()
        for round_ in range(3):  # on one connection, with pauses longer than the linger between requests
            sock.sendall(b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
            head, body = _read_response(sock, buffer)
            assert head.startswith(b"HTTP/1.1 200 ") and body == b"GET /a x=1 ", (round_, head, body)
            threading.Event().wait(0.02)
        sock.sendall(
            b"POST http://example.com/p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            b"HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"
            b"\r\nGET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        assert _read_response(sock, buffer)[1] == b"POST /p q abc"
        head, _ = _read_response(sock, buffer, head_only=True)
        assert head.startswith(b"HTTP/1.1 200 ") and b"Content-Length: 9" in head  # "HEAD /h  ", not sent
        head, body = _read_response(sock, buffer)
        assert b"Connection: close" in head and body == b"GET /last  "
        assert sock.recv(100) == b""


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_expect_100_continue(serve, thread_per_connection):
    server = serve(thread_per_connection)
    with _connect(server) as sock:
        sock.sendall(b"PUT /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        buffer = bytearray()
        head, _ = _read_response(sock, buffer)
        assert head == b"HTTP/1.1 100 Continue"
        sock.sendall(b"data")
        assert _read_response(sock, buffer)[1] == b"PUT /c  data"


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_chunked_body_whole_or_streamed(serve, thread_per_connection):
    server = serve(thread_per_connection, stream_request=lambda method, path, headers: path == "/stream")
    chunked = b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    with _connect(server) as sock:
        buffer = bytearray()
        sock.sendall(b"POST /whole HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        assert _read_response(sock, buffer)[1] == b"POST /whole  abcde"
        sock.sendall(b"POST /stream HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(chunked[:8])  # the handler already runs while the rest arrives
        threading.Event().wait(0.05)
        sock.sendall(chunked[8:])
        body = _read_response(sock, buffer)[1]
        assert body == b"POST /stream  abc|de#[('X-Trailer', 't')]"


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_streamed_chunks_are_bounded(serve, thread_per_connection):
    server = serve(thread_per_connection, stream_request=lambda *_: True, limits=ServerLimits(max_body_bytes=100))
    with _connect(server) as sock:
        sock.sendall(b"POST /s HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n")  # 101 bytes
        assert sock.recv(100) == b"", "a chunk over the limit ends the stream and the connection"


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_limits_are_checked_before_reading(serve, thread_per_connection):
    refused = []
    server = serve(thread_per_connection, limits=ServerLimits(max_body_bytes=1000, max_header_bytes=2048),
                   on_refused=lambda method, path, headers, status: refused.append((method, path, status)))
    cases = [
        (b"POST /big HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 413),
        (b"POST /chunk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", 413),  # 1001 announced
        (b"POST /chunks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n" + b"x" * 500 + b"\r\n1f5\r\n", 413),
        (b"POST /ext HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"e" * 5000, 400),
        (b"GET /h HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 60) for i in range(40)) + b"\r\n", 431),
        (b"GET /" + b"a" * 3000, 414),
    ]
    for request, status in cases:
        with _connect(server) as sock:
            sock.sendall(request)
            answer = sock.recv(1000)
            assert answer.startswith(b"HTTP/1.1 %d " % status), (request[:40], answer)
    assert sorted(refused) == [("POST", "/big", 413), ("POST", "/chunk", 413), ("POST", "/chunks", 413),
                               ("POST", "/ext", 400)]


@pytest.mark.parametrize("thread_per_connection", MODES)
def test_accept_filter_sees_each_connection_first(serve, thread_per_connection):
    seen = []

    def accept(sock: socket.socket) -> bool:
        seen.append(sock.getpeername()[1])
        return len(seen) % 2 == 0

    server = serve(thread_per_connection, accept_filter=accept)
    with _connect(server) as refused:
        assert refused.recv(100) == b"", "closed at once, nothing read or written"
    with _connect(server) as accepted:
        accepted.sendall(b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
        assert _read_response(accepted, bytearray())[1] == b"GET /ok  "
        assert seen[-1] == accepted.getsockname()[1]
