"""The resource browser's routes under ``/_gateway/ui/`` (entry point
``lambda:resource-browser`` in group ``gateway.routes``).

| method | path | page |
|---|---|---|
| GET | ``/`` | functions |
| GET | ``/functions/new`` | create a function |
| POST | ``/functions`` | create it (then 303 to its page) |
| POST | ``/functions/delete`` | confirm, then delete the selected functions |
| GET | ``/functions/<name>?version=`` | a function at one version, with recent logs |
| GET | ``/functions/<name>/code?version=`` | the version's zip (from its ``Code.Location``) |
| POST | ``/functions/<name>/invoke`` | invoke it, show result, log tail, duration |
| GET | ``/layers`` | layers and their versions |
| GET | ``/layers/new`` | publish a layer version |
| POST | ``/layers`` | publish it (then 303 to the layers) |
| POST | ``/layers/delete`` | confirm, then delete the selected layer versions |
| GET | ``/static/ui.js`` | the pages' script |

``?account=<12 digits>&region=<region>`` (hidden fields in posts) choose where
the pages act; default ``000000000000`` / ``us-east-1``. The route decides the
origin question itself (``safety``): the gateway's guard would refuse every
browser post under ``/_``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional
from urllib.parse import unquote

from botocore.exceptions import ClientError

from gateway.http import HttpRequest, HttpResponse
from gateway.security import handles_own_cors

from .api import GatewayApi, Scope, ScopeError, error_text
from .forms import FormError, read_form
from .function_pages import FunctionPages
from .layer_pages import LayerPages
from .render import BASE, Page, Renderer
from .safety import TOKEN_FIELD, FormToken, foreign_origin, new_nonce, protect

if TYPE_CHECKING:
    from gateway.app import Gateway

log = logging.getLogger("gateway.ui")

Handler = Callable[[HttpRequest], HttpResponse]
SCRIPT = Path(__file__).resolve().parent / "static" / "ui.js"
_NAME = "(?P<name>[^/]+)"


class ResourceBrowser:
    def __init__(self, gateway: "Gateway") -> None:
        def resource_browser(request: HttpRequest) -> HttpResponse:
            return self.serve(request)

        # The pages decide the origin question themselves (safety.py).
        self._handler = handles_own_cors(resource_browser)
        self.token = FormToken()
        api = GatewayApi(gateway)
        self.render = Renderer()
        functions = FunctionPages(api, self.render)
        layers = LayerPages(api, self.render)
        self.routes: list[tuple[str, re.Pattern, Callable[..., HttpResponse]]] = [
            (method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in (
                ("GET", "/", functions.index),
                ("GET", "/functions/new", functions.new),
                ("POST", "/functions", functions.create),
                ("POST", "/functions/delete", functions.delete),
                ("GET", f"/functions/{_NAME}", functions.detail),
                ("GET", f"/functions/{_NAME}/code", functions.code),
                ("POST", f"/functions/{_NAME}/invoke", functions.invoke),
                ("GET", "/layers", layers.index),
                ("GET", "/layers/new", layers.new),
                ("POST", "/layers", layers.publish),
                ("POST", "/layers/delete", layers.delete),
            )
        ]

    def match(self, request: HttpRequest) -> Optional[Handler]:
        path = request.path
        if path != BASE and not path.startswith(BASE + "/"):
            return None
        return self._handler

    # Serving ----------------------------------------------------------------------------
    def serve(self, request: HttpRequest) -> HttpResponse:
        nonce = new_nonce()
        refusal = self._refusal(request)
        if refusal is not None:
            log.warning("resource browser refused %s %s: %s", request.method, request.path, refusal)
            return _plain(403, f"Request refused: {refusal}", nonce)
        path = request.path[len(BASE):] or "/"
        if path == "/static/ui.js":
            return _script(request, nonce)
        for method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            if request.method != method and not (method == "GET" and request.method == "HEAD"):
                continue
            return self._call(request, handler, {k: unquote(v) for k, v in match.groupdict().items()}, nonce)
        if any(pattern.match(path) for _, pattern, _ in self.routes):
            return _plain(405, f"{request.method} is not accepted here", nonce)
        return _plain(404, "No such page", nonce)

    def _refusal(self, request: HttpRequest) -> Optional[str]:
        if request.confined_account is not None:
            return "the resource browser is not served to functions' execution environments"
        foreign = foreign_origin(request)
        if foreign is not None:
            return f"the resource browser answers only its own pages (same origin); this request carries {foreign}"
        return None

    def _call(self, request: HttpRequest, handler: Callable[..., HttpResponse], args: dict, nonce: str) -> HttpResponse:
        form = None
        try:
            if request.method == "POST":
                form = read_form(request)
                if not self.token.matches(form.fields.get(TOKEN_FIELD)):
                    return _plain(403, "Request refused: the form's token is missing or stale; reload the page", nonce)
                scope = Scope.read(form.fields)
            else:
                scope = Scope.read({key: values[0] for key, values in request.query_args.items()})
        except FormError as error:
            return _plain(error.status, error.message, nonce)
        except ScopeError as error:
            return _plain(400, str(error), nonce)
        page = Page(request, scope, self.token.value, nonce, form)
        try:
            return handler(page, **args)
        except ClientError as error:
            code, message = error_text(error)
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400
            return self.render.page(page, "error.html", status, code=code, message=message)


def _plain(status: int, message: str, nonce: str) -> HttpResponse:
    response = HttpResponse(status, body=message.encode())
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return protect(response, nonce)


def _script(request: HttpRequest, nonce: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _plain(405, "use GET", nonce)
    response = HttpResponse(200, body=SCRIPT.read_bytes())
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return protect(response, nonce)
