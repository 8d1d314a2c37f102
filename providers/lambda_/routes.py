"""HTTP routes the Lambda plugin adds to the gateway (entry point group
``gateway.routes``): ``/_aws/lambda/runtimes`` and the code download URLs that
``GetFunction`` hands out. Matching is cheap; the provider loads only when a
route that needs it is actually served.

- ``GET /_aws/lambda/runtimes[?filter=supported|deprecated|all]``:
  ``{"Runtimes": [...]}``, the runtime identifiers (default: the supported ones,
  as AWS's "Lambda runtimes" page lists them).
- ``GET /_aws/lambda/code/<sha256-hex>.zip``: a stored zip (``Code.Location``).
- ``GET /_aws/lambda/code/dir/<account>/<region>/<function>/<qualifier>.zip``:
  a hot-reload directory, zipped on the fly.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, Iterator, Optional
from urllib.parse import unquote

from gateway.http import HttpRequest, HttpResponse
from gateway.internal import json_response

from . import runtimes

if TYPE_CHECKING:
    from gateway.app import Gateway

Handler = Callable[[HttpRequest], HttpResponse]

PREFIX = "/_aws/lambda/"
RUNTIMES_PATH = "/_aws/lambda/runtimes"
_CODE = re.compile(r"^/_aws/lambda/code/(?P<sha>[0-9a-f]{64})\.zip$")
_DIR = re.compile(
    r"^/_aws/lambda/code/dir/(?P<account>\d{12})/(?P<region>[a-z0-9-]+)/(?P<name>[A-Za-z0-9_-]+)/(?P<qualifier>[^/]+)\.zip$"
)
FILTERS = ("supported", "deprecated", "all")
_CHUNK = 1 << 20


def _zip_response(body, length: int) -> HttpResponse:
    response = HttpResponse(200, body=body)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Length"] = str(length)
    return response


def _not_found() -> HttpResponse:
    return json_response({"error": "not found"}, 404)


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
        if path.startswith("/_aws/lambda/code/"):
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
        refused = self._method_not_allowed(request)
        if refused:
            return refused
        provider = self.gateway.providers.get("lambda")
        match = _CODE.match(request.path)
        if match:
            path = provider.stores.code.path_for(match["sha"])
            try:
                handle = open(path, "rb")
            except OSError:
                return _not_found()
            return _zip_response(_file_chunks(handle), os.fstat(handle.fileno()).st_size)
        match = _DIR.match(request.path)
        if match:
            store = provider.stores.get(match["account"], match["region"])
            with store.lock:
                function = store.functions.get(match["name"])
                qualifier = unquote(match["qualifier"])
                version = None
                if function is not None:
                    version = function.latest if qualifier == "$LATEST" else function.versions.get(qualifier)
                directory = version.code.hot_reload_dir if version is not None else None
            if not directory:
                return _not_found()
            from .code import zip_directory

            data = zip_directory(directory)
            return _zip_response(data, len(data))
        return _not_found()


def _file_chunks(handle) -> Iterator[bytes]:
    with handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return
            yield chunk
