"""The gateway's own endpoints: health and reset.

``GET|HEAD /_gateway/health`` (alias ``/_localstack/health``): version, each
service as ``available`` (has a provider, not loaded yet) or ``running``, and
plugin load errors. ``POST /_gateway/reset`` (alias ``/_localstack/state/reset``)
clears all state of all providers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from .context import RequestContext
from .http import HttpResponse

if TYPE_CHECKING:
    from .app import Gateway

HEALTH_PATHS = ("/_gateway/health", "/_localstack/health")
RESET_PATHS = ("/_gateway/reset", "/_localstack/state/reset")
INFO_PATHS = ("/_gateway/info", "/_localstack/info")
# LocalStack's init-hook status; we run no init scripts, so every stage is done.
INIT_PATHS = ("/_localstack/init",)


def json_response(data: object, status: int = 200) -> HttpResponse:
    response = HttpResponse(status, body=json.dumps(data, indent=None).encode())
    response.headers["Content-Type"] = "application/json"
    return response


class InternalRoutes:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway

    def handle(self, context: RequestContext) -> Optional[HttpResponse]:
        path = context.request.path
        if not path.startswith("/_"):
            return None
        path = path.rstrip("/") or "/"
        method = context.request.method
        if path in HEALTH_PATHS:
            context.extras["route"] = "health"
            context.extras["internal"] = True
            if method not in ("GET", "HEAD"):
                return json_response({"error": "use GET or HEAD"}, 405)
            return json_response(self.health())
        if path in INFO_PATHS and method in ("GET", "HEAD"):
            context.extras["route"] = "info"
            context.extras["internal"] = True
            return json_response(self.info())
        if path in INIT_PATHS and method in ("GET", "HEAD"):
            context.extras["route"] = "init"
            context.extras["internal"] = True
            stages = ("BOOT", "START", "READY", "SHUTDOWN")
            return json_response({"completed": {stage: stage != "SHUTDOWN" for stage in stages}, "scripts": []})
        if path in RESET_PATHS:
            context.extras["route"] = "reset"
            context.extras["internal"] = True
            if method != "POST":
                return json_response({"error": "use POST"}, 405)
            self.gateway.reset()
            return json_response({"reset": True})
        return None

    def info(self) -> dict:
        import platform
        import time

        details = {}
        for service, provider in self.gateway.providers.loaded().items():
            try:
                extra = provider.info()
            except Exception as error:  # noqa: BLE001
                extra = {"error": repr(error)}
            if extra:
                details[service] = extra
        return details | {
            "version": self.gateway.version,
            "edition": "community",
            "is_license_activated": False,
            "system": platform.system().lower(),
            "is_docker": False,
            "server_time_utc": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "uptime": int(time.time() - self.gateway.started_at),
        }

    def health(self) -> dict:
        registry = self.gateway.providers
        loaded = registry.loaded()
        services = {}
        for service in registry.services():
            provider = loaded.get(service)
            services[service] = "running" if provider else "available"
        errors = dict(registry.load_errors)
        errors.update(self.gateway.routes.load_errors)
        details = {}
        for service, provider in loaded.items():
            try:
                extra = provider.health()
            except Exception as error:  # noqa: BLE001
                extra = {"error": repr(error)}
            if extra:
                details[service] = extra
        return {
            "version": self.gateway.version,
            "edition": "community",
            "services": services,
            "providers": {s: registry.selected[s] for s in registry.services()},
            "errors": errors,
            "details": details,
        }
