"""The Gateway: owns config, models, plugins, and serves one request at a time.

The request flow, one stage per line (see ``Gateway.stages``):

0. guard: ``Host`` names the gateway; no foreign web origin; no browser on admin
   calls that change state (``gateway/security/``; it also adds CORS headers to
   the answers allowed origins get)
1. internal routes: ``/_gateway/health``, ``/_gateway/reset`` (+ ``/_localstack/*`` aliases)
2. plugin routes: contributed by ``gateway.routes`` plugins (function URLs, ...)
3. identify: service, region, account and request id
4. dispatch: parse with the service's model -> validate -> provider -> serialize
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from . import __version__
from .access_keys import AccessKeyAccounts
from .connection_accounts import ConnectionAccounts
from .config import Config
from .context import RequestContext
from .errors import NotImplementedOperation, ServiceError
from .http import HttpRequest, HttpResponse
from .internal import InternalRoutes
from .logs import RequestLogger
from .notices import ChangeNotices
from .plugins import ProviderLoadError, ProviderRegistry, RoutePlugins, check_plugin_config, run_startup_hooks
from .protocol.errors import ProtocolError
from .security import BrowserGuard
from .scratch import Scratch

if TYPE_CHECKING:
    from .codec import ServiceCodec
    from .identify import Identity, ServiceIndex
    from .protocol.models import ServiceModels

log = logging.getLogger("gateway")

Stage = Callable[[RequestContext], Optional[HttpResponse]]

INVALID_TOKEN = "The security token included in the request is invalid."


class Gateway:
    def __init__(self, config: Optional[Config] = None) -> None:
        config = config or Config.from_env()
        check_plugin_config(config)
        self.started_at = time.time()
        # Temporary files of this gateway live in its scratch directory; a crashed
        # gateway's are removed now (gateway/scratch.py).
        self.scratch = Scratch.create()
        self.scratch.remove_dead()
        self.config = dataclasses.replace(config, scratch_dir=self.scratch.root)
        self.port = self.config.port  # the port actually listened on, once start() knows it
        self._models: Optional["ServiceModels"] = None
        self.providers = ProviderRegistry(self, self.config)
        self.routes = RoutePlugins(self, self.config)
        self.internal = InternalRoutes(self)
        self.guard = BrowserGuard(self)
        self.request_log = RequestLogger(self.config)
        self._codecs: dict[str, ServiceCodec] = {}
        self._index: Optional[ServiceIndex] = None
        # Access key -> account: providers that issue keys register resolvers here
        # (the companion STS's temporary keys act in the role's account).
        self.access_keys = AccessKeyAccounts()
        # Connections from inside functions' environments act only in their account
        # (gateway/connection_accounts.py): the Lambda provider registers a resolver.
        self.connection_accounts = ConnectionAccounts()
        # Providers say a resource changed; readers of it wait here (gateway/notices.py).
        self.notices = ChangeNotices()
        self._lock = threading.Lock()
        # Servers for addresses served besides GATEWAY_LISTEN (listen_also), made by
        # whoever runs the main server: make_server(host, port) -> a server not started.
        self.make_server: Optional[Callable[[str, int], Any]] = None
        self._extra_servers: dict[str, Any] = {}
        self._listen_lock = threading.Lock()
        self.stages: list[Stage] = [
            self.guard.check,  # 0. Host, web origin, browsers on admin calls
            self.internal.handle,  # 1. health, reset
            self._plugin_routes,  # 2. function URLs and other plugin routes
            self._identify,  # 3. service, region, account
            self._dispatch,  # 4. parse -> validate -> provider -> serialize
        ]

    # The request flow -----------------------------------------------------------
    def handle(self, request: HttpRequest) -> HttpResponse:
        context = RequestContext(request=request, gateway=self, request_id=str(uuid.uuid4()))
        started = time.perf_counter()
        try:
            for stage in self.stages:
                response = stage(context)
                if response is not None:
                    break
            else:  # pragma: no cover - _dispatch always answers
                response = HttpResponse(404)
        except Exception:  # noqa: BLE001 - never a traceback to the client
            log.exception("unexpected error handling %s %s", request.method, request.path)
            response = self.error_response(context, ServiceError("InternalError", "An internal error occurred", 500, sender_fault=False))
        response = self.guard.finish(context, response)
        self.request_log.log(context, response, time.perf_counter() - started)
        return response

    def _plugin_routes(self, context: RequestContext) -> Optional[HttpResponse]:
        handler = self.routes.match(context.request)
        if handler is None:
            return None
        context.extras["route"] = getattr(handler, "__name__", "plugin")
        return handler(context.request)

    def _identify(self, context: RequestContext) -> Optional[HttpResponse]:
        identity = self.service_index().identify(context.request)
        confined = context.request.confined_account
        if confined is not None and identity.account_id != confined:
            if identity.access_key_id:
                return self._foreign_key_refusal(context, identity, confined)
            identity.account_id = confined  # unsigned, from inside an environment: its account
        context.region = identity.region
        context.account_id = identity.account_id
        context.access_key_id = identity.access_key_id
        context.extras["identity"] = identity
        if identity.service is None:
            return self.plain_error(
                400,
                "UnknownService",
                "Could not determine the AWS service this request is for; "
                f"served services: {', '.join(self.providers.services())}",
                context.request,
            )
        context.service = identity.service
        if not self.config.service_enabled(identity.service):
            error = ServiceError(
                "ServiceNotEnabled",
                f"Service '{identity.service}' is not enabled; SERVICES={','.join(sorted(self.config.services or []))}",
                400,
            )
            return self.codec(identity.service).serializer.serialize_error(error, None, context.request_id)
        return None

    def _foreign_key_refusal(self, context: RequestContext, identity: "Identity", confined: str) -> HttpResponse:
        """A function used a key of another account: refused as AWS refuses a key it does not know."""
        log.warning("refused a request from inside a function of account %s signed with a key of account %s",
                    confined, identity.account_id)
        context.extras["route"] = "refused (another account's key, from a function)"
        if identity.service is None or not self.config.service_enabled(identity.service):
            return self.plain_error(403, "UnrecognizedClientException", INVALID_TOKEN, context.request)
        if identity.service == "s3":
            error = ServiceError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403)
        elif self.codec(identity.service).model.protocol in ("query", "ec2"):
            error = ServiceError("InvalidClientTokenId", INVALID_TOKEN, 403)
        else:
            error = ServiceError("UnrecognizedClientException", INVALID_TOKEN, 403)
        return self.codec(identity.service).serializer.serialize_error(error, None, context.request_id)

    def _dispatch(self, context: RequestContext) -> HttpResponse:
        service = context.service
        assert service is not None
        try:
            provider = self.providers.get(service)
        except ProviderLoadError as error:
            return self.plain_error(503, "ServiceUnavailable", str(error))
        if provider.raw:
            return provider.handle(context, context.request)

        codec = self.codec(service)
        context.service_model = codec.model
        try:
            operation, params = codec.parser.parse(context.request)
        except ProtocolError as error:
            return codec.serializer.serialize_error(codec.parse_error(error), None, context.request_id)
        context.operation = operation
        handler = provider.operation_handler(operation.name)
        try:
            codec.validator.validate(operation, params)  # the model's constraints, AWS's words
            if handler is None:
                raise NotImplementedOperation(service, operation.name)
            result = handler(context, params)
            if isinstance(result, HttpResponse):
                return result
            return codec.serializer.serialize_response(operation, result or {}, context.request_id)
        except ServiceError as error:
            return codec.serializer.serialize_error(error, operation, context.request_id)
        except Exception:  # noqa: BLE001
            log.exception("provider %s failed in %s", service, operation.name)
            error = ServiceError("ServiceException", "An internal error occurred", 500, sender_fault=False)
            return codec.serializer.serialize_error(error, operation, context.request_id)

    # Shared pieces ----------------------------------------------------------------
    @property
    def models(self) -> "ServiceModels":
        if self._models is None:
            from .protocol.models import ServiceModels

            with self._lock:
                if self._models is None:
                    self._models = ServiceModels()
        return self._models

    def service_index(self) -> "ServiceIndex":
        if self._index is None:
            from .identify import ServiceIndex

            models = self.models
            with self._lock:
                if self._index is None:
                    self._index = ServiceIndex(
                        ((name, models.get(name)) for name in self.providers.available), self.access_keys
                    )
        return self._index

    def codec(self, service: str) -> "ServiceCodec":
        codec = self._codecs.get(service)
        if codec is None:
            from .codec import ServiceCodec

            model = self.models.get(service)
            with self._lock:
                codec = self._codecs.get(service)
                if codec is None:
                    codec = self._codecs[service] = ServiceCodec(model)
        return codec

    def error_response(self, context: RequestContext, error: ServiceError) -> HttpResponse:
        if context.service and context.service in self.providers.available:
            try:
                return self.codec(context.service).serializer.serialize_error(error, context.operation, context.request_id)
            except Exception:  # noqa: BLE001
                log.exception("could not serialize error for %s", context.service)
        return self.plain_error(error.status or 500, error.code, error.message or "")

    @staticmethod
    def plain_error(status: int, code: str, message: str, request: Optional[HttpRequest] = None) -> HttpResponse:
        """An error for a request whose service (and so protocol) is unknown:
        JSON for JSON-speaking clients, else the XML ``ErrorResponse`` that
        query and REST-XML clients parse."""
        import json
        from xml.sax.saxutils import escape

        json_client = request is None or "X-Amz-Target" in request.headers or "json" in request.headers.get(
            "Content-Type", ""
        )
        if json_client:
            body = json.dumps({"__type": code, "message": message}).encode()
            content_type = "application/json"
        else:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        response = HttpResponse(status, body=body)
        response.headers["Content-Type"] = content_type
        response.headers["x-amzn-ErrorType"] = code
        return response

    # Lifecycle ------------------------------------------------------------------------
    def start(self, port: int) -> None:
        """The server listens on ``port``: run the plugins' start-up hooks (group
        ``gateway.startup``; e.g. a provider whose persisted state must be checked
        and resumed at start loads now), then warm up."""
        self.port = port
        run_startup_hooks(self)
        self.warm_up()

    def warm_up(self) -> None:
        """Build the service index in the background so the first request is quick."""
        threading.Thread(target=self.service_index, name="warm-up", daemon=True).start()

    def state_dir(self, service: str) -> Path:
        """Where a provider keeps files: under DATA_DIR with PERSISTENCE=1, else in
        the gateway's scratch directory (removed at shutdown, or at the next start
        after a crash)."""
        if self.config.persistence:
            path = self.config.data_dir / service
        else:
            path = self.scratch.root / "state" / service
        path.mkdir(parents=True, exist_ok=True)
        return path.resolve()

    def reset(self) -> None:
        self.providers.for_each_loaded(lambda p: p.on_reset(), "reset")
        self.access_keys.forget()

    def listen_also(self, host: str) -> None:
        """Serve on ``host`` too, on the gateway's port: an address of this machine on
        another network (e.g. a Docker network's, for functions in containers), so
        what runs there reaches the gateway while the gateway stays off every other
        network. Idempotent; nothing to do when ``GATEWAY_LISTEN`` covers it already."""
        with self._listen_lock:
            if host in self._extra_servers or self.config.host in (host, "0.0.0.0", "::"):
                return
            if self.make_server is None:
                log.warning("cannot also listen on %s: no server factory (make_server)", host)
                return
            try:
                server = self.make_server(host, self.port)
            except OSError as error:
                log.error("cannot also listen on %s:%s: %s", host, self.port, error)
                return
            server.start()
            self._extra_servers[host] = server
        log.info("also listening on http://%s:%s", host, self.port)

    def stop(self) -> None:
        self.providers.for_each_loaded(lambda p: p.on_stop(), "stop")
        with self._listen_lock:
            extra, self._extra_servers = list(self._extra_servers.values()), {}
        for server in extra:
            server.stop()
        self.scratch.remove()

    @property
    def version(self) -> str:
        return __version__
