"""The route plugin the gateway loads (entry point ``lambda:function-urls``).

``match`` runs for every request before service identification, so it only
looks at the Host header and the path prefix; the Lambda provider is loaded
when a function-URL request is actually served.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable, Optional

from gateway.http import HttpRequest, HttpResponse
from gateway.security import handles_own_cors

from .address import parse_address

if TYPE_CHECKING:
    from gateway.app import Gateway

    from .service import FunctionUrlService

Handler = Callable[[HttpRequest], HttpResponse]


class FunctionUrlRouter:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway
        self._service: Optional["FunctionUrlService"] = None
        self._lock = threading.Lock()

    def match(self, request: HttpRequest) -> Optional[Handler]:
        address = parse_address(request)
        if address is None:
            return None

        def function_url(req: HttpRequest) -> HttpResponse:
            return self.service().handle(req, address)

        # Any web origin may call a function URL; its ``Cors`` config decides what
        # the browser may read (cors.py), as on AWS.
        return handles_own_cors(function_url)

    def service(self) -> "FunctionUrlService":
        if self._service is None:
            with self._lock:
                if self._service is None:
                    from .service import FunctionUrlService

                    self._service = FunctionUrlService(self.gateway)
        return self._service
