"""The companion services, one moto-backed provider each (entry points
``<service>:moto`` in setup.cfg), with the few per-service touches moto needs.
The shared mechanism is ``moto_provider.MotoProvider``."""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TYPE_CHECKING, Any, Iterator, Optional
from urllib.parse import parse_qs

from gateway.config import Config
from gateway.context import RequestContext
from gateway.errors import ServiceError
from gateway.http import HttpRequest, HttpResponse

from gateway.protocol.validation.messages import echo

from . import dynamodb_stream_records, kinesis_shards, s3_hosts, sqs_direct, sqs_queues, sts_sessions
from .change_notices import dynamodb_keys, kinesis_keys
from .checks import s3 as s3_checks
from .checks.common import Answer, passed_through, raised_in
from .config_check import retention_limits
from .errors import MALFORMED_XML
from .log_retention import LogRetention, event_cost
from .moto_provider import MotoProvider

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.app import Gateway

log = logging.getLogger("gateway.companions")
_QUEUE_PATH = re.compile(r"^/\d{12}/[^/]+/?$")  # an SQS queue URL's path


class S3Provider(MotoProvider):
    service = moto_service = "s3"
    backends = ("s3",)
    handles_own_cors = True  # moto answers preflights with the bucket's CORS rules
    # S3 does not validate requests against its model the way Coral services do
    # (no "1 validation error detected"), and it is lenient where the model is
    # strict (an ``Expires`` or ``If-Modified-Since`` that is no date is kept or
    # ignored, not refused); moto's S3 reads the REST protocol itself.
    check_requests = False

    def moto_host(self, context: RequestContext, request: HttpRequest) -> Optional[str]:
        return s3_hosts.moto_host(request.host, context.region)

    _router: Any = None  # the S3 model's operation router, built on first use

    def _requested_operation(self, context: RequestContext, request: HttpRequest) -> Optional[str]:
        """S3 names its operation only through method, path and query: route it
        with the model's router (for the request log), bucket from the host first."""
        if self._router is None:
            from gateway.protocol.router import OperationRouter

            self._router = OperationRouter(self.gateway.models.get("s3"))
        path = request.path
        bucket = s3_hosts.bucket_from_host(request.host)
        if bucket:
            path = f"/{bucket}{path}"
        try:
            route, _ = self._router.match(request.method, path, request.query_args, request.headers)
        except Exception:  # noqa: BLE001 - naming is best effort
            return None
        return route.operation.name

    def after(self, context: RequestContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # moto refuses anonymous access to a private object with a bare 403; AWS says why.
        if response.status == 403 and not response.body and request.method != "HEAD":
            return self._error(context, request, 403, "AccessDenied", "Access Denied")
        return response

    def classify(
        self,
        error: Exception,
        request: HttpRequest,
        operation: Optional["OperationModel"],
        params: Optional[dict[str, Any]],
    ) -> Optional[ServiceError]:
        if raised_in(error, "moto.s3", "get_canned_acl", "_acl_from_headers"):
            return ServiceError("InvalidArgument", "The ACL headers name no canned ACL or no valid grant", 400)
        if isinstance(error, (KeyError, AttributeError, TypeError)) and _raised_reading_body(error):
            return ServiceError("MalformedXML", MALFORMED_XML, 400)
        select_error = _select_error(error)
        if select_error is not None:
            return select_error
        if isinstance(error, KeyError) and raised_in(error, "moto.s3", "_set_action"):
            # moto's S3 maps the request to none of its actions: one it lacks.
            return ServiceError("NotImplemented", NOT_IMPLEMENTED, 501)
        if isinstance(error, KeyError) and raised_in(error, "moto.s3"):
            if error.args and error.args[0] in request.query_args.get("uploadId", ()):
                return ServiceError("NoSuchUpload", "The specified upload does not exist.", 404)
            if request.method == "POST" and error.args == ("key",):
                return ServiceError("InvalidArgument", "Bucket POST must contain a field named 'key'.", 400)
        return None

    def check_unparsed(self, context: RequestContext, request: HttpRequest) -> Optional[HttpResponse]:
        refused = s3_checks.refusal(request)
        if refused is None:
            return None
        return self._error(context, request, refused.status or 400, refused.code, refused.message or "")

    def _not_implemented(self, context: RequestContext, request: HttpRequest, error: Exception) -> HttpResponse:
        # S3's own code for functionality it does not implement.
        message = str(error) or NOT_IMPLEMENTED
        return self._error(context, request, 501, "NotImplemented", message)


NOT_IMPLEMENTED = "A header or query you provided implies functionality that is not implemented."
# moto.s3 functions that read a configuration document from the request body.
_BODY_READERS = re.compile(r"_from_body$|_from_xml$|^set_lifecycle$")


def _raised_reading_body(error: BaseException) -> bool:
    """Whether moto's S3 failed inside a reader of the request's XML document: a
    document that does not follow S3's schema (an element missing or repeated)."""
    return passed_through(error, "moto.s3", _BODY_READERS.search)  # type: ignore[arg-type]


def _select_error(error: BaseException) -> Optional[ServiceError]:
    """S3 Select's errors (its documented list) for what moto's reader of the
    object and of the SQL expression refuse."""
    if not passed_through(error, "moto.s3", lambda name: name == "select_object_content"):
        return None
    if isinstance(error, UnicodeDecodeError):
        return ServiceError("InvalidTextEncoding", "Invalid encoding type. Only UTF-8 encoding is supported.", 400)
    if isinstance(error, (OSError, EOFError)):  # gzip / bz2 refusing the object's bytes
        return ServiceError(
            "InvalidCompressionFormat",
            "The file is not in a supported compression format. Only GZIP and BZIP2 are supported.",
            400,
        )
    if raised_in(error, "py_partiql_parser"):
        return ServiceError("ParseUnexpectedToken", "The SQL expression contains an unexpected token.", 400)
    return None


class SqsProvider(MotoProvider):
    """SQS with queues that stay fast and consistent under concurrent consumers (``sqs_queues``)."""

    service = moto_service = "sqs"
    backends = ("sqs",)

    def app(self) -> Any:
        if self._app is not None:
            return self._app
        app = super().app()
        sqs_queues.install()  # moto's SQS models are loaded now
        return app

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        self.app()  # moto's SQS, patched, before its backend is called
        sqs_direct.answer(operation.name, context.account_id, context.region, params)

    def on_reset(self) -> None:
        queues = _sqs_queues() if "moto.sqs.models" in sys.modules else []
        super().on_reset()
        sqs_queues.wake_waiters(queues)  # long polls on the queues just forgotten end now

    def environ(self, context: RequestContext, request: HttpRequest) -> dict[str, Any]:
        environ = super().environ(context, request)
        # A query request with its parameters in the URL (``GET /?Action=ListQueues``)
        # and no form body: moto picks the protocol from the Content-Type, and
        # without one would read the (empty) body as JSON and see no parameters.
        if (
            "HTTP_X_AMZ_TARGET" not in environ
            and not environ.get("CONTENT_TYPE")
            and "Action" in request.query_args
        ):
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        return environ

    def check_unparsed(self, context: RequestContext, request: HttpRequest) -> Optional[HttpResponse]:
        """A query request (the model is JSON, so the parser did not read it): the
        required string members, which keep their names in the query protocol."""
        name = self._requested_operation(context, request)
        model = self.gateway.models.get(self.service)
        if not name or name not in model.operation_names or "X-Amz-Target" in request.headers:
            return None
        shape = model.operation_model(name).input_shape
        if shape is None:
            return None
        fields = dict(request.query_args)
        if request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            fields.update(parse_qs(request.body.decode("latin-1"), keep_blank_values=True))
        present = {key.split(".", 1)[0] for key, values in fields.items() if any(values)}
        if _QUEUE_PATH.match(request.path):  # old clients send to the queue URL
            present.add("QueueUrl")
        for member in shape.required_members:
            if shape.members[member].type_name == "string" and member not in present:
                message = f"The request must contain the parameter {member}."
                return self._error(context, request, 400, "MissingParameter", message)
        return None


def _sqs_queues() -> list[Any]:
    """Every queue of every account and region moto's SQS holds."""
    from moto.sqs.models import sqs_backends

    return [queue for account in list(sqs_backends.values()) for backend in list(account.values())
            for queue in list(backend.queues.values())]


class SnsProvider(MotoProvider):
    service = moto_service = "sns"
    backends = ("sns",)

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        if operation.name == "Publish" and not any(params.get(m) for m in ("TopicArn", "TargetArn", "PhoneNumber")):
            raise ServiceError(
                "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter", 400
            )


class KinesisProvider(MotoProvider):
    """moto's shards are not safe for concurrent requests (a read iterating a
    shard while a write extends it; two writes taking one sequence number):
    this provider's requests run one at a time. Resharding and shard ends as
    AWS's (``kinesis_shards``); accepted writes publish change notices
    (``change_notices``)."""

    service = moto_service = "kinesis"
    backends = ("kinesis",)
    #: AWS's default shard quota per account and region (500 in the largest
    #: regions). moto has none: it would build every shard asked for.
    shard_limit = 500

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        self._store_lock = threading.Lock()

    def app(self) -> Any:
        if self._app is not None:
            return self._app
        app = super().app()
        kinesis_shards.install()  # moto's models are loaded now
        return app

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        with self._store_lock:
            response = super().handle(context, request)
        _publish(self.gateway, context.extras.pop(_CHANGED, None), response)
        return response

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        context.extras[_CHANGED] = kinesis_keys(operation.name, context.account_id, context.region, params)
        member = {"CreateStream": "ShardCount", "UpdateShardCount": "TargetShardCount"}.get(operation.name)
        requested = params.get(member) if member else None
        if isinstance(requested, int) and requested > self.shard_limit:
            raise ServiceError(
                "LimitExceededException",
                f"This request would exceed the shard limit for the account {context.account_id} in "
                f"{context.region}. Limit: {self.shard_limit}. Number of additional shards that would have "
                f"resulted from this request: {requested}.",
                400,
            )


_PARTIQL_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})


class DynamoDBProvider(MotoProvider):
    """Stream records as AWS writes them (``dynamodb_stream_records``); accepted
    writes publish change notices (``change_notices``)."""

    service = moto_service = "dynamodb"
    backends = ("dynamodb",)

    def app(self) -> Any:
        if self._app is not None:
            return self._app
        app = super().app()
        dynamodb_stream_records.install()  # moto's models are loaded now
        return app

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        response = super().handle(context, request)
        _publish(self.gateway, context.extras.pop(_CHANGED, None), response)
        return response

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        context.extras[_CHANGED] = dynamodb_keys(operation.name, context.account_id, context.region)

    def classify(
        self,
        error: Exception,
        request: HttpRequest,
        operation: Optional["OperationModel"],
        params: Optional[dict[str, Any]],
    ) -> Optional[ServiceError]:
        # moto reads PartiQL with py_partiql_parser, which raises (sometimes a bare
        # Exception) on a statement it cannot parse.
        statement = operation is not None and operation.name in _PARTIQL_OPERATIONS
        if raised_in(error, "py_partiql_parser") or (statement and raised_in(error, "moto.dynamodb.parsing.partiql")):
            detail = getattr(error, "message", "") if type(error).__module__.startswith("py_partiql_parser") else ""
            message = "Statement wasn't well formed, can't be processed" + (f": {echo(str(detail))}" if detail else "")
            return ServiceError("ValidationException", message, 400)
        # moto's condition-expression parser refuses the client's expression with a
        # ValueError (moto itself answers the same for a FilterExpression).
        if isinstance(error, ValueError) and raised_in(error, "moto.dynamodb.comparisons"):
            return ServiceError("ValidationException", f"Invalid ConditionExpression: {echo(str(error))}", 400)
        return None


class DynamoDBStreamsProvider(MotoProvider):
    """Signed as ``dynamodb``; the gateway tells it apart by ``X-Amz-Target: DynamoDBStreams_20120810.*``."""

    service = moto_service = "dynamodbstreams"
    backends = ("dynamodbstreams",)

    def app(self) -> Any:
        if self._app is not None:
            return self._app
        app = super().app()
        dynamodb_stream_records.install()  # moto's models are loaded now
        return app


_CHANGED = "companions.changed"  # context.extras: the change notices an accepted request publishes


def _publish(gateway: "Gateway", keys: Optional[list[tuple]], response: HttpResponse) -> None:
    notices = getattr(gateway, "notices", None)
    if keys and notices is not None and response.status < 300:
        for key in keys:
            notices.publish(key)


class LogsProvider(MotoProvider):
    """CloudWatch Logs, with the events it keeps bounded (``log_retention``).

    moto's logs backend is not thread-safe for writes, and the bounds trim its
    stores: this provider's requests and trims run one at a time."""

    service = moto_service = "logs"
    backends = ("logs",)

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        config = getattr(gateway, "config", None)
        limits = retention_limits(config) if config is not None else retention_limits(Config())
        self.retention = LogRetention(limits, _logs_backends)
        self._store_lock = threading.Lock()

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        with self._store_lock:
            response = super().handle(context, request)
            written = context.extras.pop(_WRITTEN, None)
            if written is not None and response.status == 200:
                self._trim(context, *written)
        return response

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        if operation.name == "PutLogEvents":
            cost = sum(event_cost(event.get("message") or "") for event in params.get("logEvents") or [])
            context.extras[_WRITTEN] = (params.get("logGroupName"), params.get("logStreamName"), cost)
        elif operation.name == "PutRetentionPolicy":
            context.extras[_WRITTEN] = (params.get("logGroupName"), None, 0)

    def _trim(self, context: RequestContext, group_name: str, stream_name: Optional[str], cost: int) -> None:
        from moto.logs.models import logs_backends

        group = logs_backends[context.account_id][context.region].groups.get(group_name)
        if group is None:
            return
        if stream_name is None:
            self.retention.retention_set(group)
            return
        stream = group.streams.get(stream_name)
        if stream is not None:
            self.retention.written(stream, cost)


_WRITTEN = "logs.written"  # context.extras: what a request writes, for the trim after it


def _logs_backends() -> Iterator[Any]:
    """Every account's and region's moto logs backend that exists."""
    from moto.logs.models import logs_backends

    for account_backends in list(logs_backends.values()):
        yield from list(account_backends.values())


class EventsProvider(MotoProvider):
    service = moto_service = "events"
    backends = ("events",)


def _register_issued_keys(gateway: "Gateway") -> None:
    """Keys IAM issued (users' keys, STS sessions' keys) act in their own account."""
    access_keys = getattr(gateway, "access_keys", None)
    if access_keys is not None:
        access_keys.register(sts_sessions.issuing_account)


class IamProvider(MotoProvider):
    service = moto_service = "iam"
    backends = ("iam",)

    def on_start(self) -> None:
        _register_issued_keys(self.gateway)


_ASSUME_OPERATIONS = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
_ASSUMED = "sts.assumed"  # context.extras: the role ARN an AssumeRole* request names
_ASSUMED_ROLE_ID = re.compile(rb"<AssumedRoleId>[^<:]*:")
_ROLE_ACCOUNT = re.compile(r"^arn:[^:]+:iam::(\d{12}):")


class StsProvider(MotoProvider):
    """STS with sessions as AWS keeps them (``sts_sessions``): a session's key acts
    in the role's account (``GetAccessKeyInfo`` names it too), its role has one id,
    and expired sessions are forgotten."""

    service = moto_service = "sts"
    backends = ("sts",)

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        self.sessions = sts_sessions.Sessions()

    def on_start(self) -> None:
        _register_issued_keys(self.gateway)

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        with self.sessions.lock:  # moto keeps sessions in a plain list
            response = super().handle(context, request)
            if _ASSUMED in context.extras and response.status == 200:
                self.sessions.prune()
        return response

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        if operation.name == "GetCallerIdentity":
            session = sts_sessions.session_of(context.account_id, context.region, context.access_key_id or "")
            if session is not None:
                raise Answer(sts_sessions.caller_identity(session))
        elif operation.name == "GetAccessKeyInfo":  # moto knows only IAM users' keys: the issuer's account
            account = sts_sessions.issuing_account(params.get("AccessKeyId") or "")
            if account is not None:
                raise Answer({"Account": account})
        elif operation.name in _ASSUME_OPERATIONS:
            context.extras[_ASSUMED] = params.get("RoleArn") or ""

    def after(self, context: RequestContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """An assumed role's id is the role's own (moto invents one per call for roles IAM does not know)."""
        role_arn = context.extras.get(_ASSUMED)
        if not role_arn or response.status != 200 or not isinstance(response.body, (bytes, bytearray)):
            return response
        from moto.utilities.utils import get_partition

        match = _ROLE_ACCOUNT.match(role_arn)
        account = match.group(1) if match else context.account_id
        role_id = sts_sessions.role_id(account, get_partition(context.region), role_arn)
        response.body = _ASSUMED_ROLE_ID.sub(b"<AssumedRoleId>" + role_id.encode() + b":", bytes(response.body), 1)
        if "Content-Length" in response.headers:
            response.headers["Content-Length"] = str(len(response.body))
        return response

    def on_reset(self) -> None:
        self.sessions.prune(force=True)  # their keys live in IAM's backends
        super().on_reset()
