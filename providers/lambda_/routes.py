"""HTTP routes the Lambda plugin adds to the gateway (entry point group
``gateway.routes``): ``/_aws/lambda/runtimes`` and the code download URLs that
``GetFunction`` hands out. Matching is cheap; the provider loads only when a
route that needs it is actually served.

- ``GET /_aws/lambda/runtimes[?filter=supported|deprecated|all]``:
  ``{"Runtimes": [...]}``, the runtime identifiers (default: the supported ones,
  as AWS's "Lambda runtimes" page lists them).
- ``GET /_aws/lambda/code/<account>/<region>/<sha256-hex>.zip?X-Amz-...``: a
  stored zip, through the presigned URL ``GetFunction`` / ``GetLayerVersion``
  handed out (``code_urls.py``); a URL that is missing, tampered with, issued
  to another account or expired gets S3's XML error, as S3 answers a bad
  presigned URL. Hot-reload directories are never served.
"""

from __future__ import annotations

import base64
import os
import secrets
from typing import TYPE_CHECKING, Callable, Iterator, Optional
from xml.sax.saxutils import escape

from gateway.http import HttpRequest, HttpResponse
from gateway.internal import json_response

from . import runtimes
from .code_urls import PREFIX as CODE_PREFIX
from .code_urls import Refused

if TYPE_CHECKING:
    from gateway.app import Gateway

Handler = Callable[[HttpRequest], HttpResponse]

PREFIX = "/_aws/lambda/"
RUNTIMES_PATH = "/_aws/lambda/runtimes"
FILTERS = ("supported", "deprecated", "all")
_CHUNK = 1 << 20


def _zip_response(body, length: int) -> HttpResponse:
    response = HttpResponse(200, body=body)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Length"] = str(length)
    return response


def s3_error(status: int, code: str, message: str, *extra: tuple[str, str]) -> HttpResponse:
    """S3's XML error document, as it answers a refused presigned URL."""
    fields = [("Code", code), ("Message", message), *extra,
              ("RequestId", secrets.token_hex(8).upper()),
              ("HostId", base64.b64encode(secrets.token_bytes(48)).decode())]
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(
        f"<{name}>{escape(value)}</{name}>" for name, value in fields
    ) + "</Error>"
    response = HttpResponse(status, body=body.encode())
    response.headers["Content-Type"] = "application/xml"
    return response


class LambdaRoutes:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self._routes: list[tuple[str, Callable[[HttpRequest], Optional[Handler]]]] = []
        self.add(PREFIX, self._builtin)

    def add(self, prefix: str, matcher: Callable[[HttpRequest], Optional[Handler]]) -> None:
        """Other Lambda modules register (path prefix, matcher) pairs here."""
        self._routes.append((prefix, matcher))

    def match(self, request: HttpRequest) -> Optional[Handler]:
        for prefix, matcher in self._routes:
            if request.path.startswith(prefix):
                handler = matcher(request)
                if handler is not None:
                    return handler
        return None

    # Built-in routes ---------------------------------------------------------------
    def _builtin(self, request: HttpRequest) -> Optional[Handler]:
        path = request.path.rstrip("/")
        if path == RUNTIMES_PATH:
            return self.runtimes
        if path.startswith(CODE_PREFIX):
            return self.code
        return None

    @staticmethod
    def _method_not_allowed(request: HttpRequest) -> Optional[HttpResponse]:
        if request.method not in ("GET", "HEAD"):
            return json_response({"error": "use GET"}, 405)
        return None

    def runtimes(self, request: HttpRequest) -> HttpResponse:
        refused = self._method_not_allowed(request)
        if refused:
            return refused
        kind = (request.query_args.get("filter") or ["supported"])[0] or "supported"
        if kind not in FILTERS:
            return json_response({"error": f"unknown filter {kind!r}; use one of: {', '.join(FILTERS)}"}, 400)
        return json_response({"Runtimes": runtimes.listing(kind)})

    def code(self, request: HttpRequest) -> HttpResponse:
        """A stored zip through its presigned URL, streamed from the file."""
        if request.method not in ("GET", "HEAD"):
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                            ("Method", request.method), ("ResourceType", "OBJECT"))
        provider = self.gateway.providers.get("lambda")
        host = request.host or f"127.0.0.1:{request.server_port}"
        try:
            granted = provider.code_urls.check(request.path, request.query_string, host)
        except Refused as refused:
            return s3_error(refused.status, refused.code, refused.message, *refused.extra)
        try:
            handle = open(provider.stores.code.path_for(granted.sha_hex), "rb")
        except OSError:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.",
                            ("Key", request.path[len(CODE_PREFIX):]))
        return _zip_response(_file_chunks(handle), os.fstat(handle.fileno()).st_size)


def _file_chunks(handle) -> Iterator[bytes]:
    with handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return
            yield chunk
