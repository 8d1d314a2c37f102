"""Writing responses: every buffered response leaves in one ``sendall``.

Why it matters: a status line and headers written apart from the body meet the
peer's delayed ACK on a keep-alive connection and stall ~40 ms per request.
Streaming bodies go out chunk by chunk (chunked transfer encoding unless the
response set a Content-Length). The socket's SO_SNDTIMEO bounds each stall of
a client that stops reading (see ``Connection.block``).
"""

from __future__ import annotations

import socket
from http import HTTPStatus

from ..http import HttpResponse

_REASONS = {status.value: status.phrase for status in HTTPStatus}
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def write_response(sock: socket.socket, method: str, response: HttpResponse, keep_alive: bool) -> bool:
    """Send ``response`` to a ``method`` request; True when the connection stays open."""
    status = response.status
    head = [f"HTTP/1.1 {status} {reason(status)}"]
    has_length = "Content-Length" in response.headers
    no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
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
        sock.sendall(head_bytes)
        return keep_alive
    if not streaming:
        sock.sendall(head_bytes + body)
        return keep_alive
    chunked = not has_length
    pending = head_bytes
    try:
        for chunk in response.iter_body():
            if not chunk:
                continue
            data = b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk
            sock.sendall(pending + data)
            pending = b""
    finally:
        close = getattr(response.body, "close", None)
        if close:
            close()
    sock.sendall(pending + (b"0\r\n\r\n" if chunked else b""))
    return keep_alive


def simple_response(status: int, message: str) -> bytes:
    """A short text answer that closes the connection (refusals, timeouts)."""
    body = message.encode()
    head = (
        f"HTTP/1.1 {status} {reason(status)}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body
