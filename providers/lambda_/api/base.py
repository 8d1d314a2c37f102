"""What every API family shares: the store of the caller's account and region,
finding functions, versions and aliases with AWS's exact errors, the state
checks AWS makes before changing a function, and code intake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from .. import code as code_module
from .. import policies
from ..arns import FunctionRef, access_denied, function_arn, iam_action, resolve_function
from ..models import LATEST, CodeInfo, Function, FunctionVersion
from ..store import LambdaStore, Stores

if TYPE_CHECKING:
    from gateway.app import Gateway

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


# Actions that also grant another one: the deprecated InvokeAsync is authorized by
# lambda:InvokeAsync, and its API reference says it "requires permission for the
# lambda:InvokeFunction action", so a policy allowing either lets it through.
_ALSO_GRANTED_BY = {"InvokeAsync": ("InvokeFunction",)}


class LambdaApiBase:
    """Mixed into the provider; API family classes inherit from it."""

    gateway: "Gateway"
    stores: Stores
    lifecycle: "Lifecycle"  # set by FunctionsApi.init_functions (state transitions and hooks)
    limits: "AccountLimits"  # the account's quotas (LAMBDA_LIMITS_*), set by init_functions
    code_intake: code_module.CodeIntake  # set by init_functions
    code_urls: "CodeUrlSigner"  # presigned Code.Location URLs, set by init_functions

    def store(self, context: RequestContext) -> LambdaStore:
        return self.stores.get(context.account_id, context.region)

    def resolve(self, context: RequestContext, function_name: str, qualifier: Optional[str] = None,
                other_accounts: bool = False) -> FunctionRef:
        """``other_accounts``: the operation honours the owner's resource-based
        policy, so a function ARN in another account resolves to that account
        (check it with :meth:`authorize_other_account`)."""
        operation = context.operation
        pattern = None
        action = "GetFunction"
        if operation is not None:
            action = iam_action(operation.name)
            member = operation.input_shape.members.get("FunctionName") if operation.input_shape else None
            if member is not None:
                pattern = member.metadata.get("pattern")
        return resolve_function(function_name, qualifier, context.account_id, context.region, action, pattern,
                                other_accounts=other_accounts)

    def authorize_other_account(self, context: RequestContext, store: LambdaStore, ref: FunctionRef,
                                action: Optional[str] = None) -> None:
        """AccessDeniedException unless the resource-based policy of the function
        ``ref`` names (in the owner's ``store``) lets the caller's account perform
        ``action`` (an IAM action without ``lambda:``; default: the action of the
        operation being served). The policy that applies is the one attached to the
        qualifier used -- an alias's or version's permission covers only that
        ARN, the function's own covers the unqualified ARN and ``$LATEST`` (AWS
        Lambda developer guide, "Using Lambda aliases in event sources and
        permissions policies"). A function or qualifier that does not exist is
        denied the same way, as on AWS. Call under ``store.lock``."""
        if action is None:
            action = iam_action(context.operation.name) if context.operation is not None else "InvokeFunction"
        qualifier = ref.qualifier if ref.qualifier not in (None, LATEST) else None
        function = store.functions.get(ref.name)
        policy = function.policies.get(qualifier or LATEST) if function is not None else None
        resource = function_arn(ref.region, ref.account_id, ref.name, qualifier)
        actions = tuple(f"lambda:{a}" for a in (action, *_ALSO_GRANTED_BY.get(action, ())))
        if not policies.allows_direct_call(policy, context.account_id, actions, resource):
            raise access_denied(context.account_id, action,
                                function_arn(ref.region, ref.account_id, ref.name, ref.qualifier))

    def function_not_found(self, ref: FunctionRef, qualifier: Optional[str] = None) -> ServiceError:
        return not_found(
            f"Function not found: {function_arn(ref.region, ref.account_id, ref.name, qualifier or LATEST)}"
        )

    def find_function(self, store: LambdaStore, ref: FunctionRef) -> Function:
        """The function, or AWS's 404 naming ``<arn>:$LATEST`` (or the given qualifier).

        (Formerly ``get_function(store, ref)``, a name the GetFunction operation
        needs; ``FunctionsApi.get_function`` still forwards such calls here.)"""
        function = store.functions.get(ref.name)
        if function is None:
            raise self.function_not_found(ref, ref.qualifier)
        return function

    def get_version(self, function: Function, ref: FunctionRef, qualifier: Optional[str] = None) -> FunctionVersion:
        """The version a qualifier names: ``$LATEST``, a version number, or an alias
        (resolved to the alias's primary version)."""
        qualifier = qualifier if qualifier is not None else ref.qualifier
        if qualifier in (None, LATEST):
            return function.latest
        version = function.versions.get(qualifier)
        if version is not None:
            return version
        alias = function.aliases.get(qualifier)
        if alias is not None:
            return function.versions.get(alias["FunctionVersion"]) or function.latest
        raise self.function_not_found(ref, qualifier)

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
    def require_active(version: FunctionVersion) -> None:
        """ResourceConflictException for a version that is not Active (invoke)."""
        state = version.config.get("State")
        if state != "Active":
            raise conflict(
                f"The operation cannot be performed at this time. The function is currently in the following state: {state}"
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
