"""Companion services served by moto's backends inside the gateway, on its port.

Each provider is a raw provider: the gateway identifies the service, region and
account, then hands us the request untouched. We turn it into a WSGI environ and
call moto's own Flask application for that service
(``moto.moto_server.werkzeug_app.create_backend_app``), the same application
``moto_server`` routes to after its ``DomainDispatcherApplication`` has picked a
service from the host or the credential scope. The gateway has already made that
choice, so the dispatcher is skipped. What we add on the way in:

- the account: ``x-moto-account-id`` set to ``context.account_id`` (moto's
  ``BaseResponse.get_current_account`` reads it before falling back to its own
  access-key lookup), replacing any value the client sent;
- the region: moto takes it from an ``*.<region>.amazonaws.com`` host, then from a
  ``region/<name>`` token in the User-Agent, then from the SigV4 scope. We put
  ``region/<context.region>`` first in the User-Agent moto sees, so an unsigned
  request (SQS query without auth, a region only the host carried) lands in the
  region the gateway identified; signed requests get the same region either way;
- S3 only: the host moto sees (see ``s3_hosts``), so that path-style,
  virtual-host and presigned requests all resolve the right bucket;
- SQS only: a query request with its parameters in the URL and no body gets a
  form Content-Type, which is how moto tells the query protocol from JSON.

Before moto runs a request, the gateway's parser and validator for the service
check it (``precheck``): a client's mistake is answered there, in AWS's words.
An exception that still escapes moto is a 500, the service's internal error,
logged with its traceback at ERROR, unless it is an AWS error moto raised or
one the provider positively recognises (``moto_errors``, ``classify``).

moto's model classes would keep every object they ever made (``moto_instances``):
the bridge makes them track their objects weakly.

Limitations:

- moto's backends are process-global: two gateways in one process share the
  companion services' state, and a reset of one resets the other's. Our own
  objects (the Flask app, its lock) are per provider instance.
- Deliveries moto performs internally (SNS -> Lambda, EventBridge -> Lambda,
  S3 notifications -> Lambda) go to moto's Lambda backend, not to ours.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import parse_qs

from xml.parsers.expat import ExpatError

from botocore.model import OperationNotFoundError

from gateway.context import RequestContext
from gateway.errors import ServiceError
from gateway.http import HttpRequest, HttpResponse
from gateway.provider import Provider
from gateway.protocol.validation.messages import echo

from . import checks, moto_errors, moto_instances, precheck
from .errors import MALFORMED_XML, error_response, is_json_request, xml_safe
from .wsgi import build_environ, call_wsgi, underscored_names

if TYPE_CHECKING:
    from botocore.model import OperationModel
    from flask import Flask

    from gateway.app import Gateway
    from gateway.codec import ServiceCodec

log = logging.getLogger("gateway.companions")

_MOTO_NOT_IMPLEMENTED = re.compile(r"The (\w+) action has not been implemented")
_FLASK_DEFAULT_MIMETYPE = "text/html; charset=utf-8"


class MotoProvider(Provider):
    """Serves ``service`` with moto's backends named ``backends``."""

    raw = True
    #: moto's backend (and Flask app) name for this service.
    moto_service: str = ""
    #: moto backends whose state ``on_reset`` clears.
    backends: tuple[str, ...] = ()
    #: Parse and validate requests with the service model before moto runs them
    #: (see ``precheck``).
    check_requests: bool = True

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        self._app: Optional["Flask"] = None
        self._app_lock = threading.Lock()
        self._codec: Optional["ServiceCodec"] = None

    def codec(self) -> "ServiceCodec":
        """The gateway's parser, validator and serializer for this service."""
        if self._codec is None:
            shared = getattr(self.gateway, "codec", None)
            if shared is not None:
                self._codec = shared(self.service)
            else:  # a stand-in gateway that only carries the models
                from gateway.codec import ServiceCodec

                self._codec = ServiceCodec(self.gateway.models.get(self.service))
        return self._codec

    # Serving -------------------------------------------------------------------
    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        operation = self._requested_operation(context, request)
        if operation:
            context.extras.setdefault("operation", operation)  # for the request log
        refused = self._check_operation(context, request, operation)
        if refused is not None:
            return refused
        parsed = precheck.Parsed()
        if self.check_requests:
            try:
                parsed = precheck.parse(self.codec(), request)
                if parsed.operation is not None:
                    context.operation = parsed.operation
                    precheck.validate(self.codec(), parsed.operation, parsed.params or {})
                    self.check_params(context, parsed.operation, parsed.params or {})
                    checks.before(self.service, context, parsed.operation, parsed.params or {})
            except ServiceError as error:
                return self._service_error(context, error, parsed.operation)
            except checks.Answer as answer:  # AWS's answer, given without moto
                assert parsed.operation is not None
                return self.codec().serializer.serialize_response(parsed.operation, answer.result, context.request_id)
        if parsed.operation is None:
            refused = self.check_unparsed(context, request)
            if refused is not None:
                return refused
        environ = self.environ(context, request)
        try:
            response = call_wsgi(self.app(), environ)
        except OperationNotFoundError as error:
            return self._unknown_operation(context, request, str(error))
        except NotImplementedError as error:
            return self._not_implemented(context, request, error)
        except ExpatError as error:
            return self._malformed_xml(context, request, error)
        except Exception as error:  # noqa: BLE001 - a moto failure must not take the gateway down
            if isinstance(error, (ValueError, TypeError)) and (
                "entities are disabled" in str(error) or "Forbidden" in type(error).__name__
            ):
                return self._malformed_xml(context, request, error)
            return self._moto_failed(context, request, parsed, error)
        # moto copies its internal "status" into the headers; it is not an HTTP header.
        response.headers.remove("status")
        self._fix_content_type(request, response)
        if response.status >= 400:
            self._fix_error_body(response)
        return self.after(context, request, response)

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        """Per-service checks of a valid request before moto runs it (raise ``ServiceError``)."""

    def check_unparsed(self, context: RequestContext, request: HttpRequest) -> Optional[HttpResponse]:
        """Per-service checks of a request the model's parser did not route (or, with
        ``check_requests`` off, did not read)."""
        return None

    def classify(
        self,
        error: Exception,
        request: HttpRequest,
        operation: Optional["OperationModel"],
        params: Optional[dict[str, Any]],
    ) -> Optional[ServiceError]:
        """An exception moto raised that the provider positively recognises as the
        client's error (None: not recognised; see ``moto_errors``)."""
        return None

    def after(self, context: RequestContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Per-service touch-ups of moto's answer."""
        return response

    @staticmethod
    def _fix_content_type(request: HttpRequest, response: HttpResponse) -> None:
        """Where moto sets no Content-Type, Flask labels the body HTML; say what it is."""
        if response.headers.get("Content-Type") != _FLASK_DEFAULT_MIMETYPE:
            return
        body = response.body if isinstance(response.body, (bytes, bytearray)) else b""
        if is_json_request(request):
            response.headers["Content-Type"] = request.headers.get("Content-Type") or "application/x-amz-json-1.1"
        elif body.lstrip().startswith(b"<"):
            response.headers["Content-Type"] = "text/xml"
        else:
            response.headers.remove("Content-Type")

    @staticmethod
    def _fix_error_body(response: HttpResponse) -> None:
        """moto echoes client values into its XML errors as they came, control
        characters included; keep the document well-formed."""
        body = response.body
        if not isinstance(body, (bytes, bytearray)) or not body.lstrip().startswith(b"<"):
            return
        text = body.decode("utf-8", "replace")
        safe = xml_safe(text)
        if safe != text:
            response.body = safe.encode("utf-8")
            if "Content-Length" in response.headers:
                response.headers["Content-Length"] = str(len(response.body))

    def environ(self, context: RequestContext, request: HttpRequest) -> dict[str, Any]:
        from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, should_preserve_original_header_name

        environ = build_environ(request, self.moto_host(context, request), should_preserve_original_header_name)
        # S3 metadata keys may contain underscores: moto reports those names as sent.
        environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = underscored_names(request, should_preserve_original_header_name)
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = context.account_id
        user_agent = environ.get("HTTP_USER_AGENT", "")
        environ["HTTP_USER_AGENT"] = f"region/{context.region} {user_agent}".rstrip()
        return environ

    def moto_host(self, context: RequestContext, request: HttpRequest) -> Optional[str]:
        """The Host header moto sees; None keeps the client's (SQS builds queue URLs from it)."""
        return None

    def app(self) -> "Flask":
        if self._app is None:
            with self._app_lock:
                if self._app is None:
                    from moto.moto_server.werkzeug_app import create_backend_app

                    app = create_backend_app(self.moto_service)  # type: ignore[arg-type]
                    # moto turns Flask's debug mode on; its helpers give every request a class of its
                    # own in a reference cycle holding the request and its body, freed only when the
                    # garbage collector runs, which the gateway's thresholds make rare (its memory climbed
                    # by ~100 MiB under log shipping). Off, with moto's exceptions still propagating.
                    app.debug = False
                    app.config["PROPAGATE_EXCEPTIONS"] = True
                    self._app = app
                    moto_instances.track_weakly()  # the service's model classes exist now
        return self._app

    # Lifecycle -----------------------------------------------------------------
    def on_reset(self) -> None:
        if "moto.backends" not in sys.modules:
            return  # moto never loaded in this process: no state to forget
        from moto.backends import get_backend
        from moto.core.base_backend import backend_lock

        for name in self.backends:
            backend_dict = get_backend(name)  # type: ignore[call-overload]
            with backend_lock:
                for account_backends in list(backend_dict.values()):
                    account_backends.reset()
                backend_dict.clear()
            bucket_accounts = getattr(backend_dict, "bucket_accounts", None)
            if bucket_accounts is not None:  # S3's global bucket namespace
                bucket_accounts.clear()
        moto_instances.track_weakly()  # a moto reset may have put plain lists back

    def health(self) -> dict[str, Any]:
        return {"backend": "moto", "moto_service": self.moto_service}

    # Errors ----------------------------------------------------------------------
    def _error(self, context: RequestContext, request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
        return error_response(self.moto_service, request, status, code, message, context.request_id)

    def _check_operation(self, context: RequestContext, request: HttpRequest, operation: Optional[str]) -> Optional[HttpResponse]:
        """Refuse, as AWS does, requests naming no operation of the service: a JSON
        target with the wrong prefix or none, a query request without Action."""
        metadata = self.gateway.models.get(self.service).metadata
        prefix = metadata.get("targetPrefix")
        target = request.headers.get("X-Amz-Target")
        if prefix and target is not None:
            if not target.startswith(prefix + ".") or not self._model_has(target[len(prefix) + 1:]):
                return self._error(context, request, 400, "UnknownOperationException", "")
            return None
        if metadata.get("protocol") == "query" and not operation:
            return self._error(context, request, 400, "MissingAction", "Missing Action")
        return None

    def _service_error(
        self, context: RequestContext, error: ServiceError, operation: Optional["OperationModel"]
    ) -> HttpResponse:
        """``error`` in the service's protocol; a message echoing the client's values
        stays well-formed XML."""
        codec = self.codec()
        if error.message and "json" not in codec.model.metadata.get("protocol", ""):
            error.message = xml_safe(error.message)
        return codec.serializer.serialize_error(error, operation, context.request_id)

    def _moto_failed(
        self, context: RequestContext, request: HttpRequest, parsed: precheck.Parsed, error: Exception
    ) -> HttpResponse:
        """moto raised for a request it accepted: an AWS error moto meant, or one the
        provider recognises (``classify``), is the client's; anything else is a bug
        (ours or moto's), the service's internal error, logged with its traceback."""
        model = self.gateway.models.get(self.service)
        operation = parsed.operation
        if operation is None:
            name = self._requested_operation(context, request)
            if name and name in model.operation_names:
                operation = model.operation_model(name)
        client_error = self.classify(error, request, operation, parsed.params)
        if client_error is None:
            client_error = checks.recognise(self.service, error, operation, parsed.params)
        if client_error is None:
            client_error = moto_errors.aws_error(error, model)
        if client_error is None:
            log.error(
                "moto %s failed on %s %s (%s)", self.moto_service, request.method, request.path,
                operation.name if operation is not None else "unrouted", exc_info=error,
            )
            client_error = moto_errors.internal_error(self.service)
        else:
            log.debug("moto %s raised %r: answering %s", self.moto_service, error, client_error.code, exc_info=True)
        if parsed.operation is not None:  # the request is in the model's protocol
            return self._service_error(context, client_error, parsed.operation)
        return self._error(context, request, client_error.status or 400, client_error.code, client_error.message or "")

    def _malformed_xml(self, context: RequestContext, request: HttpRequest, error: Exception) -> HttpResponse:
        log.debug("moto %s could not read the XML body: %r", self.moto_service, error)
        return self._error(context, request, 400, "MalformedXML", MALFORMED_XML)

    def _not_implemented(self, context: RequestContext, request: HttpRequest, error: Exception) -> HttpResponse:
        operation = self._operation_name(context, request, error)
        if not self._model_has(operation):
            return self._unknown_operation(context, request, operation)
        message = f"The operation {operation} of service {self.service} is not implemented"
        return self._error(context, request, 501, "InternalFailure", message)

    def _unknown_operation(self, context: RequestContext, request: HttpRequest, operation: str) -> HttpResponse:
        # What AWS answers for an action its model lacks (S3 has no actions by name).
        if is_json_request(request):
            return self._error(context, request, 400, "UnknownOperationException", "")
        message = f"The action {echo(operation)} is not valid for this web service."
        return self._error(context, request, 400, "InvalidAction", message)

    def _model_has(self, operation: str) -> bool:
        """Whether the service's model has the operation (the gateway's cached model:
        moto's ``get_service_model`` reloads the model file on every call)."""
        try:
            return operation in self.gateway.models.get(self.service).operation_names
        except Exception:  # noqa: BLE001 - no model: do not claim the operation is unknown
            return True

    @staticmethod
    def _requested_operation(context: RequestContext, request: HttpRequest) -> Optional[str]:
        """The operation named by the request: the gateway's, the target's or the query Action
        (REST services such as S3 name none without routing, which moto does itself)."""
        if context.operation is not None:
            return context.operation.name
        target = request.headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        action = request.query_args.get("Action")
        if not action and request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            action = parse_qs(request.body.decode("latin-1")).get("Action")
        return action[0] if action else None

    def _operation_name(self, context: RequestContext, request: HttpRequest, error: Exception) -> str:
        operation = self._requested_operation(context, request)
        if operation:
            return operation
        match = _MOTO_NOT_IMPLEMENTED.search(str(error))
        return "".join(part.title() for part in match.group(1).split("_")) if match else "unknown"
