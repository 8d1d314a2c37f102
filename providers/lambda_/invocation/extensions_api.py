"""HTTP routes of the Extensions API (``/2020-01-01/extension/...``), the
Telemetry API (``PUT /2022-07-01/telemetry``) and the extension launcher's own
endpoints (``/_gateway/extensions/...``) on an environment's Runtime API
server. Thin: the state lives in ``extensions.py`` and ``telemetry.py``."""

from __future__ import annotations

import json
from typing import Callable, Optional
from urllib.parse import parse_qs

from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse

from .extensions import ExtensionApiError, Extensions
from .telemetry import Telemetry, TelemetryValidationError

_EXTENSION = "/2020-01-01/extension/"
_TELEMETRY = ("/2022-07-01/telemetry", "/2022-07-01/telemetry/")
_LAUNCHER = "/_gateway/extensions/"
IDENTIFIER = "Lambda-Extension-Identifier"


def _json(status: int, body: object, identifier: Optional[str] = None) -> HttpResponse:
    headers = Headers({"Content-Type": "application/json"})
    if identifier:
        headers[IDENTIFIER] = identifier
    return HttpResponse(status, headers, json.dumps(body, separators=(",", ":")).encode())


def _error(error: ExtensionApiError) -> HttpResponse:
    return _json(error.status, {"errorMessage": error.message, "errorType": error.error_type})


def handles(path: str) -> bool:
    return path.startswith(_EXTENSION) or path in _TELEMETRY or path.startswith(_LAUNCHER)


def handle(request: HttpRequest, extensions: Extensions, telemetry: Telemetry, init_timeout: float,
           on_init_failure: Callable[[str, str], None]) -> Optional[HttpResponse]:
    """The answer to a request on one of these paths, or None (not one of ours).
    ``on_init_failure(errorType, message)``: an extension failed the environment's init."""
    path, method = request.path, request.method
    try:
        if path.startswith(_LAUNCHER):
            return _launcher(request, extensions, init_timeout, on_init_failure)
        if path in _TELEMETRY and method == "PUT":
            agent = extensions.agent(request.headers.get(IDENTIFIER, ""))
            try:
                telemetry.subscribe(agent.name, request.body)
            except TelemetryValidationError as error:
                return _json(400, {"errorType": "ValidationError", "errorMessage": str(error)})
            return _json(200, "OK")
        if path == _EXTENSION + "register" and method == "POST":
            agent_id, body = extensions.register(request.headers.get("Lambda-Extension-Name", ""), request.body,
                                                 request.headers.get("Lambda-Extension-Accept-Feature", ""))
            return _json(200, body, agent_id)
        if path == _EXTENSION + "event/next" and method == "GET":
            agent = extensions.agent(request.headers.get(IDENTIFIER, ""))
            return _json(200, extensions.next_event(agent), agent.id)
        if path in (_EXTENSION + "init/error", _EXTENSION + "exit/error") and method == "POST":
            agent = extensions.agent(request.headers.get(IDENTIFIER, ""))
            error_type = request.headers.get("Lambda-Extension-Function-Error-Type", "")
            if path.endswith("init/error"):
                extensions.init_error(agent, error_type)
            else:
                extensions.exit_error(agent, error_type)
            return _json(202, {"status": "OK"}, agent.id)
    except ExtensionApiError as error:
        return _error(error)
    return None


def _launcher(request: HttpRequest, extensions: Extensions, init_timeout: float,
              on_init_failure: Callable[[str, str], None]) -> Optional[HttpResponse]:
    action = request.path[len(_LAUNCHER):]
    if action == "launched" and request.method == "POST":
        extensions.launched(request.body.decode("utf-8", "replace").split("\n"))
        return HttpResponse(204, Headers(), b"")
    if action == "exited" and request.method == "POST":
        try:
            status = int(parse_qs(request.query_string).get("status", ["1"])[0])
        except ValueError:
            status = 1
        extensions.exited(request.body.decode("utf-8", "replace"), status)
        return HttpResponse(204, Headers(), b"")
    if action == "registered" and request.method == "GET":
        ok = extensions.wait_registered(init_timeout)
        failure = extensions.failure()
        if not ok and failure is not None:
            on_init_failure(*failure)  # the launcher exits: the invoke reports this error
        return HttpResponse(204 if ok else 500, Headers(), b"")
    return None
