"""Calling a WSGI application with the gateway's ``HttpRequest``.

The gateway's server has already read the request (body de-chunked, headers in a
werkzeug ``Headers``). Here it becomes a PEP 3333 environ, the application runs
in the calling thread, and its status, headers and body come back as an
``HttpResponse``. Nothing here knows moto; the caller decides the host the
application sees and adds any extra environ keys.
"""

from __future__ import annotations

import io
import sys
from email.utils import formatdate
from typing import Any, Callable, Iterable, Optional
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Hop-by-hop or already-consumed framing: the body we pass is complete bytes.
_DROPPED_REQUEST_HEADERS = frozenset({"transfer-encoding", "connection", "keep-alive", "expect"})


def environ_key(header_name: str) -> str:
    """``X-Amz-Target`` -> ``HTTP_X_AMZ_TARGET`` (``Content-Type`` -> ``CONTENT_TYPE``)."""
    key = header_name.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key
    return f"HTTP_{key}"


def build_environ(
    request: HttpRequest,
    host: Optional[str] = None,
    keep_underscored: Callable[[str], bool] = lambda name: False,
) -> dict[str, Any]:
    """A WSGI environ for ``request``.

    ``host`` replaces the ``Host`` header the application sees. Header names with
    an underscore fold onto the same environ key as their dashed twin, so, like
    werkzeug's own server, they are dropped unless ``keep_underscored(name)``
    says otherwise, and a dashed header always wins over an underscored one.
    """
    host = host if host is not None else request.host or f"localhost:{request.server_port}"
    server_name, _, port = host.partition(":")
    raw_uri = request.path + (f"?{request.query_string}" if request.query_string else "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method.upper(),
        "SCRIPT_NAME": "",
        # PEP 3333: PATH_INFO is the percent-decoded path, bytes carried as latin-1.
        "PATH_INFO": unquote_to_bytes(request.path).decode("latin-1"),
        "QUERY_STRING": request.query_string,
        # What gunicorn and werkzeug's server set: the path as it arrived.
        "RAW_URI": raw_uri,
        "REQUEST_URI": raw_uri,
        "SERVER_NAME": server_name,
        "SERVER_PORT": port or str(request.server_port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": request.remote_addr,
        "CONTENT_LENGTH": str(len(request.body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    values: dict[str, list[tuple[str, str]]] = {}
    dashed: set[str] = set()
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered in _DROPPED_REQUEST_HEADERS or lowered in ("host", "content-length"):
            continue
        if "_" in name and not keep_underscored(name):
            continue
        key = environ_key(name)
        if "_" not in name:
            dashed.add(key)
        values.setdefault(key, []).append((name, value.replace("\r\n", "")))
    for key, pairs in values.items():
        if key in dashed:
            pairs = [(n, v) for n, v in pairs if "_" not in n]
        environ[key] = ",".join(v for _, v in pairs)
    environ["HTTP_HOST"] = host
    return environ


def underscored_names(request: HttpRequest, keep_underscored: Callable[[str], bool]) -> dict[str, str]:
    """Environ key -> original spelling, for the underscored headers that were kept."""
    names: dict[str, str] = {}
    dashed = {environ_key(n) for n in request.headers.keys() if "_" not in n}
    for name in request.headers.keys():
        if "_" in name and keep_underscored(name) and environ_key(name) not in dashed:
            names.setdefault(environ_key(name), name)
    return names


def call_wsgi(app: WsgiApp, environ: dict[str, Any]) -> HttpResponse:
    """Run ``app`` and collect its whole answer (moto's answers are all buffered)."""
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started["status"] = status
        started["headers"] = headers
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        for chunk in result:
            if chunk:
                chunks.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    headers = Headers(started.get("headers", []))
    if "Date" not in headers:
        headers["Date"] = formatdate(usegmt=True)
    status = int(str(started.get("status", "500")).split(" ", 1)[0])
    return HttpResponse(status=status, headers=headers, body=b"".join(chunks))
