"""Lambda API family: aliases (``Create/Get/Update/Delete/ListAliases``).

An alias is stored in AWS's ``AliasConfiguration`` shape in
``Function.aliases[name]``. Routing validation follows AWS: weights within
[0, 1], at most one additional version, which must be a published version
other than the primary one, and no routing for an alias on ``$LATEST``.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import FunctionRef, function_arn
from ..models import LATEST, Function, new_revision_id
from ..store import LambdaStore
from .base import REVISION_MISMATCH, LambdaApiBase, conflict, invalid_parameter, not_found, precondition_failed
from .paging import paginate

_VERSION_KEY = re.compile(r"^[0-9]+$")

# Sub-resources AWS removes together with the alias they are attached to.
_PER_QUALIFIER = ("policies", "url_configs", "event_invoke_configs", "provisioned_concurrency")


def _java_float(value: Any) -> str:
    """Java's Double.toString for the values users send (2 -> 2.0, 0.25 -> 0.25)."""
    number = float(value)
    return repr(number) if not number.is_integer() else f"{number:.1f}"


def _weights_repr(weights: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={_java_float(v)}" for k, v in weights.items()) + "}"


def validate_routing_constraints(weights: dict[str, Any]) -> None:
    """The model-level constraints of ``AdditionalVersionWeights``, with AWS's
    exact ValidationException (in case the generic validator let them pass)."""
    if any(not _VERSION_KEY.match(key) or len(key) > 1024 for key in weights):
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{_weights_repr(weights)}' at 'routingConfig.additionalVersionWeights' "
            "failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or "
            "equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular "
            "expression pattern: [0-9]+, Member must not be null]",
            status=400,
        )
    if any(value is None or not 0.0 <= float(value) <= 1.0 for value in weights.values()):
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{_weights_repr(weights)}' at 'routingConfig.additionalVersionWeights' "
            "failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
            "equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
            status=400,
        )


class AliasesApi(LambdaApiBase):
    # Helpers --------------------------------------------------------------------
    def _alias_store(self, context: RequestContext, function_name: str) -> tuple[FunctionRef, LambdaStore]:
        """The function named and the store that holds it (resolved before any lock)."""
        ref = self.resolve(context, function_name)
        return ref, self.store_of(ref)

    @staticmethod
    def _alias_function(store: LambdaStore, ref: FunctionRef) -> Function:
        """The function (under ``store.lock``), or AWS's "Function not found"."""
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
        return function

    @staticmethod
    def _check_version_exists(function: Function, version: str) -> None:
        if version != LATEST and version not in function.versions:
            raise not_found(f"Function not found: {function_arn(function.region, function.account_id, function.name, version)}")

    def _routing(self, function: Function, primary: str, routing_config: Optional[dict]) -> Optional[dict]:
        """Validates a RoutingConfig against the primary version; the routing
        to store, or None for no routing."""
        weights = (routing_config or {}).get("AdditionalVersionWeights") or {}
        if not weights:
            return None
        validate_routing_constraints(weights)
        if len(weights) > 1:
            raise invalid_parameter("Number of items in AdditionalVersionWeights cannot be greater than 1")
        if primary == LATEST:
            raise ServiceError(
                "InvalidParameterValueException",
                "$LATEST is not supported for an alias pointing to more than 1 version",
                status=400,
                Type=None,  # AWS sends no Type here (TestLambdaAlias::test_notfound_and_invalid_routingconfigs)
            )
        for version in weights:
            if version == primary:
                raise invalid_parameter(
                    f"Invalid function version {version}. Function version {version} is already included in routing "
                    "configuration."
                )
            self._check_version_exists(function, version)
        return {"AdditionalVersionWeights": {k: float(v) for k, v in weights.items()}}

    @staticmethod
    def _alias_arn(function: Function, name: str) -> str:
        return function_arn(function.region, function.account_id, function.name, name)

    # Operations -----------------------------------------------------------------
    def create_alias(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        name, version = request["Name"], request["FunctionVersion"]
        store = self.store_of(ref)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name, version)}")
            routing = self._routing(function, version, request.get("RoutingConfig"))
            self._check_version_exists(function, version)
            if name in function.aliases:
                raise conflict(f"Alias already exists: {self._alias_arn(function, name)}")
            alias: dict[str, Any] = {
                "AliasArn": self._alias_arn(function, name),
                "Name": name,
                "FunctionVersion": version,
                "Description": request.get("Description") or "",
                "RevisionId": new_revision_id(),
            }
            if routing:
                alias["RoutingConfig"] = routing
            function.aliases[name] = alias
            store.save_function(function)
            return copy.deepcopy(alias)

    def get_alias(self, context: RequestContext, request: dict) -> dict:
        ref, store = self._alias_store(context, request["FunctionName"])
        with store.lock:
            function = self._alias_function(store, ref)
            alias = function.aliases.get(request["Name"])
            if alias is None:
                raise not_found(f"Cannot find alias arn: {self._alias_arn(function, request['Name'])}")
            return copy.deepcopy(alias)

    def update_alias(self, context: RequestContext, request: dict) -> dict:
        ref, store = self._alias_store(context, request["FunctionName"])
        name = request["Name"]
        with store.lock:
            function = self._alias_function(store, ref)
            alias = function.aliases.get(name)
            if alias is None:
                raise not_found(f"Alias not found: {self._alias_arn(function, name)}")
            revision_id = request.get("RevisionId")
            if revision_id is not None and revision_id != alias["RevisionId"]:
                raise precondition_failed(REVISION_MISMATCH)
            version = request.get("FunctionVersion") or alias["FunctionVersion"]
            if "RoutingConfig" in request:
                routing = self._routing(function, version, request["RoutingConfig"])
            else:
                routing = self._routing(function, version, alias.get("RoutingConfig"))
            self._check_version_exists(function, version)
            updated = dict(alias, FunctionVersion=version, RevisionId=new_revision_id())
            if "Description" in request:
                updated["Description"] = request["Description"] or ""
            updated.pop("RoutingConfig", None)
            if routing:
                updated["RoutingConfig"] = routing
            function.aliases[name] = updated
            store.save_function(function)
            return copy.deepcopy(updated)

    def delete_alias(self, context: RequestContext, request: dict) -> dict:
        ref, store = self._alias_store(context, request["FunctionName"])
        name = request["Name"]
        with store.lock:
            function = self._alias_function(store, ref)
            if function.aliases.pop(name, None) is None:
                return {}  # AWS answers 204 for an alias that does not exist
            for attribute in _PER_QUALIFIER:
                getattr(function, attribute, {}).pop(name, None)
            store.save_function(function)
        return {}

    def list_aliases(self, context: RequestContext, request: dict) -> dict:
        ref, store = self._alias_store(context, request["FunctionName"])
        wanted = request.get("FunctionVersion")
        with store.lock:
            function = self._alias_function(store, ref)
            aliases = sorted(function.aliases.values(), key=lambda a: a["Name"])
            if wanted:
                aliases = [
                    a
                    for a in aliases
                    if a["FunctionVersion"] == wanted
                    or wanted in (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {})
                ]
            page, next_marker = paginate(aliases, lambda a: a["Name"], request.get("Marker"), request.get("MaxItems"))
            result: dict[str, Any] = {"Aliases": copy.deepcopy(page)}
        if next_marker:
            result["NextMarker"] = next_marker
        return result
