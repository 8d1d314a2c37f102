"""Lambda API family: reserved and provisioned concurrency.

Reserved concurrency is ``Function.reserved_concurrency`` (None when unset). The
account's unreserved pool must keep its floor (100 of AWS's default 1,000;
``LAMBDA_LIMITS_*`` change both).

Provisioned concurrency configs live in ``Function.provisioned_concurrency``
keyed by qualifier (a published version or an alias, never $LATEST). AWS
answers ``IN_PROGRESS`` and reaches ``READY`` once the environments are up, or
``FAILED`` when their init fails (see ``provisioned.py``); here the record carries
the earliest moment it is ready (``_ReadyAt``) and, while its environments start,
``_StartingUntil``; every read derives the status from them, so nothing is written
on reads. Reserved concurrency cannot go below the provisioned total.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import function_arn
from ..models import LATEST, Function
from ..provisioned import FAILED_REASON_INIT, provisioned_total
from ..store import LambdaStore
from .base import LambdaApiBase, conflict, invalid_parameter, not_found
from .paging import paginate, public, qualifier_order
from .settings import unreserved_concurrency

# How long a provisioned concurrency config stays IN_PROGRESS at least, and at most
# while its environments start (their start reports READY or FAILED sooner).
PROVISIONED_READY_SECONDS = 0.3
PROVISIONED_START_BOUND_SECONDS = 120.0

QUALIFIED_NOT_PERMITTED = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. "
    "Please specify either a function name or an unqualified function ARN."
)


def _provisioned_timestamp() -> str:
    """AWS's format for provisioned concurrency: ``2019-12-31T20:28:49+0000``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def provisioned_view(record: dict[str, Any], now: Optional[float] = None) -> dict[str, Any]:
    """A stored provisioned concurrency record as AWS shows it at this moment."""
    now = time.time() if now is None else now
    requested = record["RequestedProvisionedConcurrentExecutions"]
    failed = record.get("_StatusReason")
    ready = not failed and now >= max(record.get("_ReadyAt", 0), record.get("_StartingUntil", 0))
    view = public(record)
    view["AllocatedProvisionedConcurrentExecutions"] = requested if ready else 0
    view["AvailableProvisionedConcurrentExecutions"] = requested if ready else 0
    view["Status"] = "FAILED" if failed else "READY" if ready else "IN_PROGRESS"
    if failed:
        view["StatusReason"] = failed
    return view


class ConcurrencyApi(LambdaApiBase):
    # Reserved concurrency ---------------------------------------------------------
    def _concurrency_function(self, context: RequestContext, function_name: str) -> tuple[LambdaStore, Function]:
        ref = self.resolve(context, function_name)
        if ref.qualifier:
            raise invalid_parameter(QUALIFIED_NOT_PERMITTED)
        store = self.store_of(ref)
        return store, self.get_function(store, ref)

    def put_function_concurrency(self, context: RequestContext, request: dict) -> dict:
        store, function = self._concurrency_function(context, request["FunctionName"])
        reserved = request["ReservedConcurrentExecutions"]
        limits = self.limits
        with store.lock:
            provisioned = provisioned_total(function)
            if reserved < provisioned:
                # AWS's text, spaces and all, and no Type (test_lambda.snapshot.json,
                # TestLambdaConcurrency::test_reserved_provisioned_overlap).
                raise ServiceError(
                    "InvalidParameterValueException",
                    f" ReservedConcurrentExecutions  {reserved} should not be lower than function's total "
                    f"provisioned concurrency [{provisioned}].",
                    status=400, Type=None,
                )
            others = unreserved_concurrency(store, limits) + (function.reserved_concurrency or 0)
            if others - reserved < limits.minimum_unreserved:
                raise invalid_parameter(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{limits.minimum_unreserved}]."
                )
            function.reserved_concurrency = reserved
            store.save_function(function)
        self.reserved_concurrency_changed(store.account_id, store.region, function.name)
        return {"ReservedConcurrentExecutions": reserved}

    def get_function_concurrency(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        if not ref.qualifier and ref.name not in self.store_of(ref).functions:
            # AWS names the function without ":$LATEST" here (test_lambda_api.snapshot.json,
            # TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]).
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
        _, function = self._concurrency_function(context, request["FunctionName"])
        if function.reserved_concurrency is None:
            return {}
        return {"ReservedConcurrentExecutions": function.reserved_concurrency}

    def delete_function_concurrency(self, context: RequestContext, request: dict) -> dict:
        store, function = self._concurrency_function(context, request["FunctionName"])
        with store.lock:
            function.reserved_concurrency = None
            store.save_function(function)
        self.reserved_concurrency_changed(store.account_id, store.region, function.name)
        return {}

    # Provisioned concurrency ------------------------------------------------------
    def _provisioned_target(self, context: RequestContext, request: dict, latest_message: str) -> tuple[LambdaStore, Function, str]:
        """The function and the published version or alias a request names, with
        AWS's errors: $LATEST refused, unknown versions and aliases told apart."""
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        qualifier = ref.qualifier or LATEST
        if qualifier == LATEST:
            raise invalid_parameter(latest_message)
        store = self.store(context)
        function = store.functions.get(ref.name)
        arn = function_arn(ref.region, ref.account_id, ref.name, qualifier)
        if qualifier.isdigit():
            if function is None or qualifier not in function.versions:
                raise not_found(f"Function not found: {arn}")
        elif function is None or qualifier not in function.aliases:
            raise not_found(f"Cannot find alias arn: {arn}")
        return store, function, qualifier

    def put_provisioned_concurrency_config(self, context: RequestContext, request: dict) -> dict:
        store, function, qualifier = self._provisioned_target(
            context, request, "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
        )
        requested = request["ProvisionedConcurrentExecutions"]
        limits = self.limits
        with store.lock:
            self._check_provisioned_overlap(function, qualifier)
            if (
                function.reserved_concurrency is not None
                and provisioned_total(function, exclude=qualifier) + requested > function.reserved_concurrency
            ):
                raise invalid_parameter(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
                )
            if requested > limits.concurrent_executions:
                raise invalid_parameter(
                    "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency "
                    f"[{limits.concurrent_executions}]."
                )
            if function.reserved_concurrency is None:
                # Provisioned concurrency of functions without a reservation comes out of the unreserved pool.
                pool = unreserved_concurrency(store, limits) - sum(
                    provisioned_total(f, exclude=qualifier if f is function else None)
                    for f in list(store.functions.values())
                    if f.reserved_concurrency is None
                )
                if pool - requested < limits.minimum_unreserved:
                    raise invalid_parameter(
                        "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
                        f"below its minimum value of [{limits.minimum_unreserved}]."
                    )
            now = time.time()
            record = {
                "RequestedProvisionedConcurrentExecutions": requested,
                "LastModified": _provisioned_timestamp(),
                "_ReadyAt": now + PROVISIONED_READY_SECONDS,
                # IN_PROGRESS until the environments are up (bounded, should the gateway die meanwhile).
                "_StartingUntil": now + PROVISIONED_START_BOUND_SECONDS,
            }
            function.provisioned_concurrency[qualifier] = record
            store.save_function(function)
        self.provisioned_concurrency_changed(
            context, function.name, qualifier, requested,
            on_applied=lambda started: self._provisioned_applied(store, function.name, qualifier, record, started),
        )
        return provisioned_view(record)

    @staticmethod
    def _provisioned_applied(store: LambdaStore, function_name: str, qualifier: str, record: dict[str, Any],
                             started: bool) -> None:
        """The environments of ``record`` are up (READY from now on), or one's init
        failed (FAILED, AWS's ``FUNCTION_ERROR_INIT_FAILURE``)."""
        with store.lock:
            function = store.functions.get(function_name)
            if function is None or function.provisioned_concurrency.get(qualifier) is not record:
                return  # replaced or deleted meanwhile
            record.pop("_StartingUntil", None)
            if not started:
                record["_StatusReason"] = FAILED_REASON_INIT
            store.save_function(function)

    @staticmethod
    def _check_provisioned_overlap(function: Function, qualifier: str) -> None:
        """A version gets provisioned concurrency either directly or through one alias, not both."""
        if qualifier.isdigit():
            for alias_name, alias in function.aliases.items():
                if alias.get("FunctionVersion") == qualifier and alias_name in function.provisioned_concurrency:
                    raise conflict("Version is pointed by a Provisioned Concurrency alias")
        else:
            version = function.aliases[qualifier].get("FunctionVersion")
            if version in function.provisioned_concurrency:
                raise conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")

    def get_provisioned_concurrency_config(self, context: RequestContext, request: dict) -> dict:
        _, function, qualifier = self._provisioned_target(
            context, request, "The function resource provided must be an alias or a published version."
        )
        record = function.provisioned_concurrency.get(qualifier)
        if record is None:
            raise ServiceError(
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
                status=404,
            )
        return provisioned_view(record)

    def delete_provisioned_concurrency_config(self, context: RequestContext, request: dict) -> dict:
        store, function, qualifier = self._provisioned_target(
            context, request, "The function resource provided must be an alias or a published version."
        )
        with store.lock:
            removed = function.provisioned_concurrency.pop(qualifier, None) is not None
            if removed:
                store.save_function(function)
        if removed:
            self.provisioned_concurrency_changed(context, function.name, qualifier, 0)
        return {}

    def list_provisioned_concurrency_configs(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store(context)
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
        now = time.time()
        with store.lock:
            # A config whose version or alias is gone is gone with it.
            items = [
                {**provisioned_view(record, now), "FunctionArn": f"{function.arn}:{qualifier}"}
                for qualifier, record in sorted(function.provisioned_concurrency.items(), key=lambda kv: qualifier_order(kv[0]))
                if qualifier in function.versions or qualifier in function.aliases
            ]
        page, next_marker = paginate(items, lambda item: item["FunctionArn"], request.get("Marker"), request.get("MaxItems"))
        response: dict[str, Any] = {"ProvisionedConcurrencyConfigs": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

