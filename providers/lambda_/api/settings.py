"""Lambda API family: account settings and per-function settings that are
stored and returned as AWS does, without behaviour of their own here.

- ``GetAccountSettings``: limits (``LAMBDA_LIMITS_*`` override AWS's defaults;
  ``limits.py``, enforced by code intake) and usage counted as AWS counts it.
- ``Get/PutFunctionRecursionConfig``: recursive loop detection (``Terminate``
  by default; the data plane may read ``Function.recursion``).
- ``Get/PutRuntimeManagementConfig``: runtime update mode per version.
- ``Get/PutFunctionScalingConfig``: execution environment bounds per published
  version (a Lambda Managed Instances setting; stored and returned only).
- ``Get/Put/DeleteResourcePolicy``: the whole resource-based policy of a
  function, version or alias, the same document ``AddPermission`` edits.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from gateway.context import RequestContext

from .. import policies
from ..arns import FUNCTION_ARN, function_arn
from ..limits import AccountLimits, code_storage_used
from ..models import LATEST, Function, new_revision_id
from ..store import LambdaStore
from .base import LambdaApiBase, invalid_parameter, not_found, precondition_failed


def unreserved_concurrency(store: LambdaStore, limits: AccountLimits) -> int:
    """The account limit minus what functions reserved with PutFunctionConcurrency."""
    return limits.concurrent_executions - sum(f.reserved_concurrency or 0 for f in list(store.functions.values()))


def _function_arn_for(function: Function, qualifier: Optional[str]) -> str:
    """The unqualified ARN for $LATEST, else the qualified one."""
    if qualifier in (None, LATEST):
        return function.arn
    return f"{function.arn}:{qualifier}"


class SettingsApi(LambdaApiBase):
    # Account --------------------------------------------------------------------
    def get_account_settings(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        limits = self.limits
        with store.lock:
            return {
                "AccountLimit": {
                    "TotalCodeSize": limits.total_code_size,
                    "CodeSizeUnzipped": limits.code_size_unzipped,
                    "CodeSizeZipped": limits.code_size_zipped,
                    "ConcurrentExecutions": limits.concurrent_executions,
                    "UnreservedConcurrentExecutions": unreserved_concurrency(store, limits),
                },
                "AccountUsage": {
                    "TotalCodeSize": code_storage_used(store),
                    "FunctionCount": len(store.functions),
                },
            }

    # Recursion ------------------------------------------------------------------
    def _recursion_function(self, context: RequestContext, function_name: str) -> tuple[LambdaStore, Function]:
        ref = self.resolve(context, function_name)
        store = self.store(context)
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
        return store, function

    def get_function_recursion_config(self, context: RequestContext, request: dict) -> dict:
        _, function = self._recursion_function(context, request["FunctionName"])
        return {"RecursiveLoop": function.recursion}

    def put_function_recursion_config(self, context: RequestContext, request: dict) -> dict:
        store, function = self._recursion_function(context, request["FunctionName"])
        with store.lock:
            function.recursion = request["RecursiveLoop"]
            store.save_function(function)
        return {"RecursiveLoop": function.recursion}

    # Runtime management -----------------------------------------------------------
    def _runtime_target(self, context: RequestContext, request: dict) -> tuple[LambdaStore, Function, str]:
        """$LATEST or a published version number (aliases name no runtime)."""
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store(context)
        function = self.get_function(store, ref)
        qualifier = ref.qualifier or LATEST
        if qualifier != LATEST and qualifier not in function.versions:
            raise self.function_not_found(ref, qualifier)
        return store, function, qualifier

    def get_runtime_management_config(self, context: RequestContext, request: dict) -> dict:
        _, function, qualifier = self._runtime_target(context, request)
        config = function.runtime_management.get(qualifier) or {"UpdateRuntimeOn": "Auto"}
        response = {"UpdateRuntimeOn": config["UpdateRuntimeOn"], "FunctionArn": _function_arn_for(function, qualifier)}
        if config.get("RuntimeVersionArn"):
            response["RuntimeVersionArn"] = config["RuntimeVersionArn"]
        return response

    def put_runtime_management_config(self, context: RequestContext, request: dict) -> dict:
        store, function, qualifier = self._runtime_target(context, request)
        mode = request["UpdateRuntimeOn"]
        runtime_version = request.get("RuntimeVersionArn")
        if mode == "Manual" and not runtime_version:
            raise invalid_parameter("RuntimeVersionArn is required when UpdateRuntimeOn is Manual.")
        if mode != "Manual" and runtime_version:
            raise invalid_parameter("RuntimeVersionArn can only be specified when UpdateRuntimeOn is Manual.")
        config: dict[str, Any] = {"UpdateRuntimeOn": mode}
        if runtime_version:
            config["RuntimeVersionArn"] = runtime_version
        with store.lock:
            function.runtime_management[qualifier] = config
            store.save_function(function)
        return {**config, "FunctionArn": _function_arn_for(function, qualifier)}

    # Scaling (Lambda Managed Instances) -------------------------------------------------
    def _scaling_target(self, context: RequestContext, request: dict) -> tuple[LambdaStore, Function, str]:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store(context)
        function = self.get_function(store, ref)
        qualifier = request["Qualifier"]
        if qualifier != "$LATEST.PUBLISHED" and qualifier not in function.versions:
            raise self.function_not_found(ref, qualifier)
        return store, function, qualifier

    def put_function_scaling_config(self, context: RequestContext, request: dict) -> dict:
        store, function, qualifier = self._scaling_target(context, request)
        config = dict(request.get("FunctionScalingConfig") or {})
        low, high = config.get("MinExecutionEnvironments"), config.get("MaxExecutionEnvironments")
        if low is not None and high is not None and low > high:
            raise invalid_parameter("MinExecutionEnvironments must be less than or equal to MaxExecutionEnvironments.")
        with store.lock:
            function.scaling_config[qualifier] = config
            store.save_function(function)
        version = function.versions.get(qualifier)
        state = (version.config if version else function.latest.config).get("State", "Active")
        return {"FunctionState": state}

    def get_function_scaling_config(self, context: RequestContext, request: dict) -> dict:
        _, function, qualifier = self._scaling_target(context, request)
        response: dict[str, Any] = {"FunctionArn": f"{function.arn}:{qualifier}"}
        config = function.scaling_config.get(qualifier)
        if config is not None:
            response["AppliedFunctionScalingConfig"] = dict(config)
            response["RequestedFunctionScalingConfig"] = dict(config)
        return response

    # Resource-based policy as one document -------------------------------------------
    # The same documents AddPermission/RemovePermission/GetPolicy edit
    # (``Function.policies`` by qualifier); the policy's RevisionId is the one of
    # the function, version or alias it is attached to, as there.
    def _resource_policy_target(self, context: RequestContext, resource_arn: str) -> tuple[LambdaStore, Function, str, dict[str, Any]]:
        """(store, function, policy key, configuration holding the RevisionId)."""
        if ":function:" not in resource_arn or not FUNCTION_ARN.match(resource_arn):
            # runtime/... ARNs name AWS-owned runtimes, which hold no policy here.
            raise not_found("The resource you requested does not exist.")
        ref = self.resolve(context, resource_arn)
        store = self.store(context)
        function = self.get_function(store, ref)
        qualifier = ref.qualifier or LATEST
        if qualifier == LATEST:
            return store, function, LATEST, function.latest.config
        if qualifier in function.versions:
            return store, function, qualifier, function.versions[qualifier].config
        if qualifier in function.aliases:
            return store, function, qualifier, function.aliases[qualifier]
        raise self.function_not_found(ref, qualifier)

    def get_resource_policy(self, context: RequestContext, request: dict) -> dict:
        _, function, key, holder = self._resource_policy_target(context, request["ResourceArn"])
        policy = function.policies.get(key)
        if not policy or not policy.get("Statement"):
            raise not_found("The resource you requested does not exist.")
        return {"Policy": policies.to_json(policy), "RevisionId": holder.get("RevisionId")}

    def put_resource_policy(self, context: RequestContext, request: dict) -> dict:
        store, function, key, holder = self._resource_policy_target(context, request["ResourceArn"])
        try:
            document = json.loads(request["Policy"])
        except ValueError:
            raise invalid_parameter("The policy is not valid JSON.") from None
        if not isinstance(document, dict) or not isinstance(document.get("Statement"), (list, dict)):
            raise invalid_parameter("The policy must be a JSON object with a Statement.")
        if isinstance(document["Statement"], dict):
            document["Statement"] = [document["Statement"]]
        with store.lock:
            self._resource_policy_revision_check(holder, request.get("RevisionId"))
            function.policies[key] = document  # replaces what AddPermission added
            holder["RevisionId"] = new_revision_id()
            store.save_function(function)
            return {"Policy": policies.to_json(document), "RevisionId": holder["RevisionId"]}

    def delete_resource_policy(self, context: RequestContext, request: dict) -> dict:
        store, function, key, holder = self._resource_policy_target(context, request["ResourceArn"])
        with store.lock:
            if not function.policies.get(key):
                raise not_found("The resource you requested does not exist.")
            self._resource_policy_revision_check(holder, request.get("RevisionId"))
            del function.policies[key]
            holder["RevisionId"] = new_revision_id()
            store.save_function(function)
        return {}

    @staticmethod
    def _resource_policy_revision_check(holder: dict[str, Any], revision_id: Optional[str]) -> None:
        if revision_id and revision_id != holder.get("RevisionId"):
            raise precondition_failed(
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
            )
