"""The provider plugin interface.

A provider serves one service. It is registered as an entry point in group
``gateway.providers`` named ``<service>:<provider>``, and is constructed lazily,
on the first request for its service, as ``ProviderClass(gateway)``.

Two kinds:

- Model-driven (the default): the gateway parses the request with the service's
  botocore model and calls ``provider.foo_bar(context, params)`` for operation
  ``FooBar``; the returned dict is serialized with the same model. Raise
  ``gateway.errors.ServiceError`` for AWS errors. A missing method answers 501.
- Raw (``raw = True``): the gateway identifies the service and calls
  ``provider.handle(context, request) -> HttpResponse`` without parsing; used by
  the moto-backed companion services, which speak the protocols themselves.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Optional

from .context import RequestContext
from .http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .app import Gateway

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def operation_method_name(operation: str) -> str:
    """``CreateFunction`` -> ``create_function``; ``ListFunctionsByCodeSigningConfig``
    -> ``list_functions_by_code_signing_config``; ``GetFunctionUrlConfig`` ->
    ``get_function_url_config``."""
    return _CAMEL_BOUNDARY.sub("_", operation).lower()


class Provider:
    """Base class for providers. Subclasses set ``service``."""

    service: str = ""
    raw: bool = False
    # True when the service applies AWS's CORS rules itself (S3's bucket CORS):
    # the gateway then lets requests from any web origin through to it, except
    # state-changing ones no CORS preflight approved (gateway/security/guard.py).
    handles_own_cors: bool = False

    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway

    # Lifecycle -----------------------------------------------------------
    def on_start(self) -> None:
        """Called once, right after construction."""

    def on_stop(self) -> None:
        """Gateway shutdown: stop threads and child processes."""

    def on_reset(self) -> None:
        """``POST /_gateway/reset``: forget all state."""

    def health(self) -> dict[str, Any]:
        """Extra details for the health endpoint."""
        return {}

    def info(self) -> dict[str, Any]:
        """What this provider runs with, for ``/_gateway/info`` (under its service's name)."""
        return {}

    # Serving -------------------------------------------------------------
    def operation_handler(self, operation: str) -> Optional[Callable[[RequestContext, dict], Any]]:
        return getattr(self, operation_method_name(operation), None)

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        """Raw providers only."""
        raise NotImplementedError(f"{type(self).__name__} is not a raw provider")
