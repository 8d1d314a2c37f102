"""The URL config's ``Cors`` applied as AWS applies it.

With ``Cors`` configured, Lambda answers preflight requests itself (the function
is not invoked) and decorates every response to an allowed ``Origin``; the
configuration wins over CORS headers the function returns (AWS docs, "Function
URL configuration", CORS). Without ``Cors``, ``OPTIONS`` is an ordinary request
for the function and nothing is added.

- ``Access-Control-Allow-Origin``: ``*`` when ``AllowOrigins`` has ``*`` (and
  credentials are not allowed), otherwise the request's origin when it is listed;
  an origin that is not allowed gets no CORS headers at all.
- preflight: ``-Allow-Methods`` and ``-Allow-Headers`` from the config,
  ``-Max-Age`` when set, ``-Allow-Credentials: true`` when allowed.
- actual responses: ``-Expose-Headers`` and ``-Allow-Credentials``.
"""

from __future__ import annotations

from typing import Any, Optional

from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse

CORS_PREFIX = "access-control-"


def is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def allowed_origin(cors: dict[str, Any], origin: Optional[str]) -> Optional[str]:
    """The ``Access-Control-Allow-Origin`` value for ``origin``, or None when it is not allowed."""
    if not origin:
        return None
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    lowered = origin.lower()
    for allowed in origins:
        if allowed.lower() == lowered:
            return origin
    return None


def preflight(cors: dict[str, Any], request: HttpRequest) -> HttpResponse:
    headers = Headers()
    origin = allowed_origin(cors, request.headers.get("Origin"))
    if origin is not None:
        headers["Access-Control-Allow-Origin"] = origin
        methods = cors.get("AllowMethods") or []
        if methods:
            headers["Access-Control-Allow-Methods"] = ",".join(methods)
        allow_headers = cors.get("AllowHeaders") or []
        if allow_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(allow_headers)
        if cors.get("MaxAge") is not None:
            headers["Access-Control-Max-Age"] = str(cors["MaxAge"])
        if cors.get("AllowCredentials"):
            headers["Access-Control-Allow-Credentials"] = "true"
        headers["Vary"] = "Origin"
    return HttpResponse(200, headers, b"")


def apply(cors: dict[str, Any], request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Replace the function's CORS headers with the configuration's."""
    for name in [n for n in response.headers.keys() if n.lower().startswith(CORS_PREFIX)]:
        del response.headers[name]
    origin = allowed_origin(cors, request.headers.get("Origin"))
    if origin is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    expose = cors.get("ExposeHeaders") or []
    if expose:
        response.headers["Access-Control-Expose-Headers"] = ",".join(expose)
    if cors.get("AllowCredentials"):
        response.headers["Access-Control-Allow-Credentials"] = "true"
    if "Vary" not in response.headers:
        response.headers["Vary"] = "Origin"
    return response
