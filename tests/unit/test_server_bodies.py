"""HttpServer with a tiny handler: large request bodies are spooled to a file, small ones stay in memory."""

from __future__ import annotations

import hashlib
import os
import socket

import pytest
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse
from gateway.server import HttpServer

BIG = 20 * 1024 * 1024


@pytest.fixture
def server():
    seen: list[dict] = []

    def handler(request: HttpRequest) -> HttpResponse:
        spooled = request.body_file is not None
        position = request.body_file.tell() if spooled else 0
        digest = hashlib.sha256(request.open_body().read()).hexdigest()
        seen.append({
            "spooled": spooled,
            "position_at_call": position,
            "length": request.body_length,
            "sha256": digest,
            "body_matches": hashlib.sha256(request.body).hexdigest() == digest,
        })
        return HttpResponse(200, Headers({"Content-Type": "text/plain"}), digest.encode())

    http = HttpServer("127.0.0.1", 0, handler)
    http.start()
    http.seen = seen
    yield http
    http.stop()


def _exchange(port: int, head: bytes, body_parts) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):  # the server closes: every request says Connection: close
            answer += chunk
        return answer


def _chunked(data: bytes, size: int = 1 << 20):
    for offset in range(0, len(data), size):
        piece = data[offset:offset + size]
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_large_body_is_spooled_and_intact(server, framing):
    body = os.urandom(BIG)
    if framing == "chunked":
        head = b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        parts = _chunked(body)
    else:
        head = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        parts = [body[i:i + (1 << 20)] for i in range(0, len(body), 1 << 20)]
    answer = _exchange(server.port, head, parts)
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    expected = hashlib.sha256(body).hexdigest()
    assert answer.endswith(expected.encode())
    [seen] = server.seen
    assert seen == {"spooled": True, "position_at_call": 0, "length": BIG, "sha256": expected, "body_matches": True}


def test_small_body_stays_in_memory(server):
    answer = _exchange(server.port, b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", [b"hello"])
    assert answer.startswith(b"HTTP/1.1 200 ")
    [seen] = server.seen
    assert seen["spooled"] is False and seen["length"] == 5 and seen["body_matches"]
