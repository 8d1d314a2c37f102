"""What every API family shares: the store of the caller's account and region,
finding functions, versions and aliases with AWS's exact errors, the state
checks AWS makes before changing a function, and code intake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from .. import code as code_module
from ..arns import RESOURCE_POLICY_OPERATIONS, FunctionRef, function_arn, iam_action, resolve_function
from ..backend import functions as lookups
from ..backend.values import Caller
from ..models import LATEST, CodeInfo, Function, FunctionVersion
from ..store import LambdaStore, Stores

if TYPE_CHECKING:
    from gateway.app import Gateway

    from ..backend.service import LambdaBackend
    from ..code_urls import CodeUrlSigner
    from ..limits import AccountLimits
    from ..state import Lifecycle

REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, status=404)


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400)


def conflict(message: str) -> ServiceError:
    return ServiceError("ResourceConflictException", message, status=409)


def precondition_failed(message: str) -> ServiceError:
    return ServiceError("PreconditionFailedException", message, status=412)


class LambdaApiBase:
    """Mixed into the provider; API family classes inherit from it."""

    gateway: "Gateway"
    stores: Stores
    backend: "LambdaBackend"  # the data plane and mappings, as plugins see them (backend/)
    lifecycle: "Lifecycle"  # set by FunctionsApi.init_functions (state transitions and hooks)
    limits: "AccountLimits"  # the account's quotas (LAMBDA_LIMITS_*), set by init_functions
    code_intake: code_module.CodeIntake  # set by init_functions
    code_urls: "CodeUrlSigner"  # presigned Code.Location URLs, set by init_functions

    def store(self, context: RequestContext) -> LambdaStore:
        return self.stores.get(context.account_id, context.region)

    def resolve(self, context: RequestContext, function_name: str, qualifier: Optional[str] = None) -> FunctionRef:
        """The function a FunctionName (and Qualifier) names. Another account's
        function ARN is AccessDeniedException, unless the operation honours
        resource-based policies (``RESOURCE_POLICY_OPERATIONS``) and the owner's
        policy on the ARN named lets the caller's account perform the operation's
        action: the reference then names the owner's account (``store_of``)."""
        action, pattern = self._action_and_pattern(context)
        shared = context.operation is not None and context.operation.name in RESOURCE_POLICY_OPERATIONS
        ref = resolve_function(function_name, qualifier, context.account_id, context.region, action, pattern,
                               other_accounts=shared)
        if ref.account_id != context.account_id:
            owner = self.store_of(ref)
            with owner.lock:
                lookups.authorize(owner, ref, context.account_id, action)
        return ref

    def store_of(self, ref: FunctionRef) -> LambdaStore:
        """The store of the function ``ref`` names: the caller's own, or the
        owner's when its resource-based policy let the caller in (``resolve``)."""
        return self.stores.get(ref.account_id, ref.region)

    def caller(self, context: RequestContext, action: Optional[str] = None) -> Caller:
        """The backend's view of who serves this request: account, region, the IAM
        action (default: the operation's) and the operation's FunctionName pattern."""
        operation_action, pattern = self._action_and_pattern(context)
        return Caller(context.account_id, context.region, action or operation_action, pattern)

    def _action_and_pattern(self, context: RequestContext) -> tuple[str, Optional[str]]:
        """The operation's IAM action, and the pattern its FunctionName must match,
        as AWS prints it for this operation (specs/validation/lambda.json)."""
        operation = context.operation
        if operation is None:
            return "GetFunction", None
        member = operation.input_shape.members.get("FunctionName") if operation.input_shape else None
        if member is None or "pattern" not in member.metadata:
            return iam_action(operation.name), None
        settings = self.gateway.codec("lambda").validator.settings
        return iam_action(operation.name), settings.member_pattern_text(operation.name, "FunctionName", member)

    def function_not_found(self, ref: FunctionRef, qualifier: Optional[str] = None) -> ServiceError:
        return not_found(
            f"Function not found: {function_arn(ref.region, ref.account_id, ref.name, qualifier or LATEST)}"
        )

    def find_function(self, store: LambdaStore, ref: FunctionRef) -> Function:
        """The function, or FunctionNotFound naming ``<arn>:$LATEST`` (or the given qualifier).

        (Formerly ``get_function(store, ref)``, a name the GetFunction operation
        needs; ``FunctionsApi.get_function`` still forwards such calls here.)"""
        return lookups.find_function(store, ref)

    def get_version(self, function: Function, ref: FunctionRef, qualifier: Optional[str] = None) -> FunctionVersion:
        """The version a qualifier names: ``$LATEST``, a version number, or an alias
        (resolved to the alias's primary version)."""
        return lookups.find_version(function, ref, qualifier)

    # Reading configurations --------------------------------------------------------
    @staticmethod
    def config_view(function: Function, version: FunctionVersion, qualifier: Optional[str] = None) -> dict[str, Any]:
        """A version's configuration as Get* operations answer it: a shallow copy
        (nested values are never mutated in place, only replaced), with
        ``FunctionArn`` qualified by the qualifier the caller gave (an alias name
        shows the alias's ARN). Call under the store lock."""
        view = {k: v for k, v in version.config.items() if not k.startswith("_")}
        if qualifier:
            view["FunctionArn"] = function_arn(function.region, function.account_id, function.name, qualifier)
        return view

    # Preconditions AWS checks before changing a function ------------------------------
    @staticmethod
    def require_updatable(function: Function) -> None:
        """ResourceConflictException while $LATEST is being created or updated."""
        config = function.latest.config
        if config.get("State") == "Pending":
            raise conflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending"
            )
        if config.get("LastUpdateStatus") == "InProgress":
            raise conflict(
                "The operation cannot be performed at this time. An update is in progress for resource: "
                f"{function.arn}"
            )

    @staticmethod
    def check_revision(config: dict[str, Any], revision_id: Optional[str]) -> None:
        if revision_id is not None and revision_id != config.get("RevisionId"):
            raise precondition_failed(REVISION_MISMATCH)

    # Layers of a function (LayersApi overrides with the real validation) ----------------
    def resolve_layers(self, context: RequestContext, layer_arns: list[str]) -> list[dict[str, Any]]:
        return [{"Arn": arn, "CodeSize": 0} for arn in layer_arns]

    # Code intake, shared by functions and layers -----------------------------------------
    def gateway_endpoint(self, context: RequestContext) -> str:
        """Where the gateway itself answers, for clients of companion services."""
        host = self.gateway.config.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{context.request.server_port}"

    def intake_zip(self, context: RequestContext, zip_file: "code_module.ZipInput", layers_unzipped: int = 0) -> CodeInfo:
        """A zip uploaded in the request: checked against the account's limits
        (with ``layers_unzipped``, the function's layers), then stored (one reference)."""
        return self.code_intake.zip_file(self.store(context), zip_file, layers_unzipped)

    def intake_s3(self, context: RequestContext, bucket: str, key: str, version: Optional[str] = None,
                  layers_unzipped: int = 0) -> CodeInfo:
        """A zip in the companion S3, read as the caller's account."""
        return self.code_intake.s3_object(self.store(context), self.gateway_endpoint(context), bucket, key, version,
                                          layers_unzipped)
