"""The first stage of the request flow: refuse what a web page made a browser send.

In order, before any other stage runs:

1. ``Host`` must name the gateway (``hosts``): else 403, for every path, health
   included (DNS rebinding).
2. A state-changing call under ``/_`` (``/_gateway/reset``, ``/_localstack/...``,
   plugin routes under ``/_aws/``: any method but GET, HEAD and OPTIONS, and a
   preflight asking for one) must come from a plain client: an ``Origin``,
   ``Referer`` or ``Sec-Fetch-*`` header, or a ``Content-Type`` a form can send,
   gets 403 whatever the origin, even with ``DISABLE_CORS_CHECKS=1``.
3. A request naming a web origin (``Origin``, else ``Referer``; or, naming none,
   marked ``Sec-Fetch-Site: cross-site``) must name an allowed one (``origins``):
   else 403. Allowed origins get CORS answers (``cors``).

Exceptions to 3, where AWS defines CORS itself: a plugin route whose handler
``handles_own_cors`` (function URLs apply their ``Cors`` config), and a service
whose provider class sets ``handles_own_cors = True`` (S3 applies the bucket's
CORS rules). For such a service, a foreign origin is still refused on a request
no preflight approved: a ``POST`` a form could send (AWS would demand a valid
signature there; the gateway verifies none).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from ..context import RequestContext
from ..http import HttpRequest, HttpResponse
from . import cors
from .browser import SAFE_METHODS, browser_signal, is_preflight, was_preflighted
from .hosts import HostPolicy, parse_entry
from .origins import OriginPolicy, normalize, origin_of_referer

if TYPE_CHECKING:
    from ..app import Gateway
    from ..config import Config

log = logging.getLogger("gateway.security")

OWN_CORS = "handles_own_cors"
INTERNAL_PREFIX = "/_"
_CORS_KEY = "cors_origin"
_ECHO_LIMIT = 100

F = TypeVar("F", bound=Callable[..., Any])


def handles_own_cors(handler: F) -> F:
    """Mark a plugin route's handler as applying AWS's CORS rules itself."""
    setattr(handler, OWN_CORS, True)
    return handler


def _shown(value: str) -> str:
    return value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "..."


def plugin_hostnames(config: "Config") -> list[str]:
    """Names plugins make the gateway reachable by (a ``gateway.config`` module's
    optional ``gateway_hostnames(config)``, e.g. Lambda's ``HOSTNAME_FROM_LAMBDA``)."""
    from ..plugins import config_plugins

    names = []
    for module in config_plugins():
        hook = getattr(module, "gateway_hostnames", None)
        if hook is not None:
            names += [parse_entry(name, variable=module.__name__) for name in hook(config) if name]
    return names


def _request_origin(request: HttpRequest) -> tuple[bool, Optional[str]]:
    """(names a web origin, that origin normalized or None when unreadable)."""
    # One pass over the headers: werkzeug's lookup of an absent name raises and
    # catches an exception, and most requests carry none of these.
    origin = referer = fetch_site = None
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered == "origin":
            origin = value if origin is None else origin
        elif lowered == "referer":
            referer = value if referer is None else referer
        elif lowered == "sec-fetch-site":
            fetch_site = value
    if origin is not None:
        return True, normalize(origin)
    if referer is not None:
        return True, origin_of_referer(referer)
    if fetch_site is not None and fetch_site.lower() == "cross-site":
        return True, None  # a cross-site request that hid its origin (Referrer-Policy: no-referrer)
    return False, None


def _changes_state(request: HttpRequest) -> bool:
    if request.method == "OPTIONS":
        asked = request.headers.get("Access-Control-Request-Method", "").upper()
        return bool(asked) and asked not in SAFE_METHODS
    return request.method not in SAFE_METHODS


class BrowserGuard:
    def __init__(self, gateway: "Gateway") -> None:
        config = gateway.config
        self.gateway = gateway
        self.hosts = HostPolicy.from_settings(
            config.host, [*config.gateway_hostnames, *plugin_hostnames(config)], not config.disable_host_checks
        )
        self.origins = OriginPolicy(config.extra_cors_allowed_origins, not config.disable_cors_checks)
        self._provider_cors: dict[str, bool] = {}

    # The stage ----------------------------------------------------------------------
    def check(self, context: RequestContext) -> Optional[HttpResponse]:
        request = context.request
        host = request.headers.get("Host", "")
        if not self.hosts.allows(host):
            return self._refuse(
                context,
                f"host {_shown(host)!r}",
                f"Host '{_shown(host)}' does not name this gateway (protection against DNS rebinding); "
                "add the name to GATEWAY_HOSTNAMES, or set DISABLE_HOST_CHECKS=1 to turn the check off",
            )
        admin_change = request.path.startswith(INTERNAL_PREFIX) and _changes_state(request)
        if admin_change and request.confined_account is not None:
            return self._refuse(
                context,
                "admin call from a function",
                f"{request.method} {_shown(request.path)} changes the gateway's state and is not accepted from "
                "inside a function's execution environment",
                json=True,
            )
        names_origin, origin = _request_origin(request)
        if not (admin_change or names_origin) or self._route_owns_cors(request):
            return None
        if admin_change:
            signal = browser_signal(request)
            if signal is not None:
                return self._refuse(
                    context,
                    "admin call from a browser",
                    f"{request.method} {_shown(request.path)} changes the gateway's state and is accepted only from "
                    f"non-browser clients (curl, an SDK); this request carries {signal}",
                    json=True,
                )
            return None  # a plain client: it named no origin either
        listed = origin is not None and self.origins.listed(origin)
        allowed = listed or not self.origins.enabled
        if self._provider_owns_cors(request):
            if allowed or request.method in SAFE_METHODS or was_preflighted(request):
                return None
        elif allowed:
            if "Origin" not in request.headers:
                return None
            echoed = request.headers["Origin"]  # CORS compares it byte for byte
            if is_preflight(request):
                return cors.preflight_response(request, echoed, listed)
            context.extras[_CORS_KEY] = (echoed, listed)
            return None
        described = _shown(request.headers.get("Origin") or origin or "(a cross-site page that sent no origin)")
        return self._refuse(
            context,
            f"origin {described!r}",
            f"origin '{described}' may not call this gateway: requests a web page makes a browser send are refused "
            "unless the page's origin is allowed; add it to EXTRA_CORS_ALLOWED_ORIGINS, or set DISABLE_CORS_CHECKS=1 "
            "to turn the check off",
        )

    def finish(self, context: RequestContext, response: HttpResponse) -> HttpResponse:
        """CORS headers on the answer to an allowed origin."""
        allowed = context.extras.get(_CORS_KEY)
        if allowed is None:
            return response
        return cors.decorate(response, *allowed)

    # Who applies CORS itself ---------------------------------------------------------------
    def _route_owns_cors(self, request: HttpRequest) -> bool:
        handler = self.gateway.routes.match(request)
        return bool(handler is not None and getattr(handler, OWN_CORS, False))

    def _provider_owns_cors(self, request: HttpRequest) -> bool:
        service = self.gateway.service_index().identify(request).service
        if service is None:
            return False
        owns = self._provider_cors.get(service)
        if owns is None:
            registry = self.gateway.providers
            owns = False
            if registry.is_served(service):
                try:  # the class only: refusing a request must not start a provider
                    owns = bool(getattr(registry.available[service][registry.selected[service]].load(), OWN_CORS, False))
                except Exception:  # noqa: BLE001 - a provider that cannot load owns nothing
                    log.debug("provider class of %s did not load", service, exc_info=True)
            self._provider_cors[service] = owns
        return owns

    # Answers ------------------------------------------------------------------------------
    def _refuse(self, context: RequestContext, reason: str, message: str, json: bool = False) -> HttpResponse:
        context.extras["route"] = f"refused ({reason})"
        return self.gateway.plain_error(403, "AccessDenied", f"Request refused: {message}", None if json else context.request)
