"""Lambda API family: function resource policies (``AddPermission``,
``RemovePermission``, ``GetPolicy``).

One policy document per qualifier lives in ``Function.policies`` (``$LATEST``
for the unqualified function, a version number, or an alias name). A policy
change gives the function, version or alias it is attached to a new
``RevisionId``, and ``GetPolicy`` answers that ``RevisionId`` (AWS does both:
the ``RevisionId`` preconditions name GetFunction/GetAlias).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from .. import policies
from ..arns import FunctionRef, function_arn
from ..models import LATEST, Function, new_revision_id
from .base import REVISION_MISMATCH, LambdaApiBase, conflict, invalid_parameter, not_found, precondition_failed

_VERSION = re.compile(r"^[0-9]+$")
_ALIAS = re.compile(r"^[a-zA-Z0-9-_]+$")
POLICY_SIZE_LIMIT = 20480
RESOURCE_NOT_FOUND = "The resource you requested does not exist."


class _Target:
    """What a qualifier attaches a policy to: the key in ``Function.policies``,
    the configuration holding the ``RevisionId``, and the statement's Resource."""

    def __init__(self, key: str, holder: dict[str, Any], resource: str) -> None:
        self.key = key
        self.holder = holder
        self.resource = resource


class PermissionsApi(LambdaApiBase):
    # Helpers --------------------------------------------------------------------
    @staticmethod
    def _arn(ref: FunctionRef, qualifier: Optional[str] = None) -> str:
        return function_arn(ref.region, ref.account_id, ref.name, qualifier)

    def _target(self, function: Function, ref: FunctionRef, qualifier: Optional[str]) -> _Target:
        """The target a qualifier names, with AWS's errors for AddPermission and
        RemovePermission."""
        if qualifier in (None, LATEST):
            return _Target(LATEST, function.latest.config, function.arn)
        arn = self._arn(ref, qualifier)
        if _VERSION.match(qualifier):
            version = function.versions.get(qualifier)
            if version is None:
                raise not_found(f"Function not found: {arn}")
            return _Target(qualifier, version.config, arn)
        if _ALIAS.match(qualifier):
            alias = function.aliases.get(qualifier)
            if alias is None:
                raise not_found(f"Cannot find alias arn: {arn}")
            return _Target(qualifier, alias, arn)
        raise not_found(f"Function not found: {arn}")

    @staticmethod
    def _check_revision(target: _Target, revision_id: Optional[str]) -> None:
        if revision_id is not None and revision_id != target.holder.get("RevisionId"):
            raise precondition_failed(REVISION_MISMATCH)

    # Operations -----------------------------------------------------------------
    def add_permission(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store(context)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {self._arn(ref, ref.qualifier)}")
            if ref.qualifier == LATEST:
                raise invalid_parameter("We currently do not support adding policies for $LATEST.")
            target = self._target(function, ref, ref.qualifier)
            self._check_revision(target, request.get("RevisionId"))
            sid = request["StatementId"]
            try:
                statement = policies.function_statement(
                    sid=sid,
                    action=request["Action"],
                    principal=request["Principal"],
                    resource=target.resource,
                    source_arn=request.get("SourceArn"),
                    source_account=request.get("SourceAccount"),
                    principal_org_id=request.get("PrincipalOrgID"),
                    event_source_token=request.get("EventSourceToken"),
                    function_url_auth_type=request.get("FunctionUrlAuthType"),
                    invoked_via_function_url=request.get("InvokedViaFunctionUrl"),
                )
            except policies.InvalidPrincipal:
                raise invalid_parameter(policies.INVALID_PRINCIPAL) from None
            policy = function.policies.get(target.key) or policies.new_policy()
            if policies.find_statement(policy, sid) is not None:
                raise conflict(
                    f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                    "or remove the existing statement."
                )
            candidate = dict(policy, Statement=list(policy["Statement"]) + [statement])
            size = len(policies.to_json(candidate))
            if size > POLICY_SIZE_LIMIT:
                raise ServiceError(
                    "PolicyLengthExceededException",
                    f"The final policy size ({size}) is bigger than the limit ({POLICY_SIZE_LIMIT}).",
                    status=400,
                )
            function.policies[target.key] = candidate
            target.holder["RevisionId"] = new_revision_id()
            store.save_function(function)
        return {"Statement": policies.to_json(statement)}

    def remove_permission(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store(context)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"No policy found for: {self._arn(ref, ref.qualifier)}")
            target = self._target(function, ref, ref.qualifier)
            policy = function.policies.get(target.key)
            if not policy or not policy.get("Statement"):
                raise not_found("No policy is associated with the given resource.")
            self._check_revision(target, request.get("RevisionId"))
            sid = request["StatementId"]
            if not policies.remove_statement(policy, sid):
                raise not_found(f"Statement {sid} is not found in resource policy.")
            if not policy["Statement"]:
                del function.policies[target.key]
            target.holder["RevisionId"] = new_revision_id()
            store.save_function(function)
        return {}

    def get_policy(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store_of(ref)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {self._arn(ref, ref.qualifier)}")
            try:
                target = self._target(function, ref, ref.qualifier)
            except ServiceError:
                raise not_found(RESOURCE_NOT_FOUND) from None
            policy = function.policies.get(target.key)
            if not policy or not policy.get("Statement"):
                raise not_found(RESOURCE_NOT_FOUND)
            return {"Policy": policies.to_json(policy), "RevisionId": target.holder.get("RevisionId")}
