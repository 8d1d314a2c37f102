"""Resolving a function and qualifier to what the data plane runs.

Pure functions over a store (call them under ``store.lock``); ``LambdaBackend``
takes the lock and copies what it returns. The API's control-plane lookups
(``LambdaApiBase.find_function`` / ``get_version``) use the same two finders,
so "Function not found" has one home.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Optional

from .. import policies
from ..arns import FunctionRef, function_arn
from ..models import LATEST, CodeInfo, Function, FunctionVersion
from .errors import AccessDenied, FunctionNotFound, QualifierNotFound

if TYPE_CHECKING:
    from ..store import LambdaStore, Stores

# Actions that also grant another one: the deprecated InvokeAsync is authorized by
# lambda:InvokeAsync, and its API reference says it "requires permission for the
# lambda:InvokeFunction action", so a policy allowing either lets it through.
ALSO_GRANTED_BY = {"InvokeAsync": ("InvokeFunction",)}


def find_function(store: "LambdaStore", ref: FunctionRef) -> Function:
    """The function ``ref`` names, or FunctionNotFound naming ``<arn>:$LATEST``
    (or the qualifier given)."""
    function = store.functions.get(ref.name)
    if function is None:
        raise FunctionNotFound(function_arn(ref.region, ref.account_id, ref.name, ref.qualifier or LATEST))
    return function


def find_version(function: Function, ref: FunctionRef, qualifier: Optional[str] = None) -> FunctionVersion:
    """The version a qualifier names (default: the reference's): ``$LATEST``, a
    version number, or an alias (its primary version)."""
    qualifier = qualifier if qualifier is not None else ref.qualifier
    if qualifier in (None, LATEST):
        return function.latest
    version = function.versions.get(qualifier)
    if version is not None:
        return version
    alias = function.aliases.get(qualifier)
    if alias is not None:
        return function.versions.get(alias["FunctionVersion"]) or function.latest
    raise QualifierNotFound(function_arn(ref.region, ref.account_id, ref.name, qualifier))


def authorize(store: "LambdaStore", ref: FunctionRef, caller_account: str, action: str) -> None:
    """AccessDenied unless the resource-based policy of the function ``ref`` names
    (in the owner's ``store``) lets ``caller_account`` perform ``action``. The
    policy that applies is the one attached to the qualifier used -- an alias's
    or version's permission covers only that ARN, the function's own covers the
    unqualified ARN and ``$LATEST`` (AWS Lambda developer guide, "Using Lambda
    aliases in event sources and permissions policies"). A function or qualifier
    that does not exist is denied the same way, as on AWS."""
    qualifier = ref.qualifier if ref.qualifier not in (None, LATEST) else None
    function = store.functions.get(ref.name)
    policy = function.policies.get(qualifier or LATEST) if function is not None else None
    resource = function_arn(ref.region, ref.account_id, ref.name, qualifier)
    actions = tuple(f"lambda:{a}" for a in (action, *ALSO_GRANTED_BY.get(action, ())))
    if not policies.allows_direct_call(policy, caller_account, actions, resource):
        raise AccessDenied(caller_account, action, function_arn(ref.region, ref.account_id, ref.name, ref.qualifier))


def route_alias(function: Function, qualifier: Optional[str], version: FunctionVersion) -> FunctionVersion:
    """The version an invoke of an alias runs: its routing config's weights decide."""
    alias = function.aliases.get(qualifier or "")
    if not alias:
        return version
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    roll = random.random()
    for other, weight in weights.items():
        if roll < weight and other in function.versions:
            return function.versions[other]
        roll -= weight
    return version


def layer_code(stores: "Stores", store: "LambdaStore", config: dict) -> list[CodeInfo]:
    """The code of a version's layers (another account's or region's layers from their store)."""
    codes = []
    for layer in config.get("Layers") or []:
        parts = layer.get("Arn", "").split(":")
        if len(parts) < 8:
            continue
        owner, region, name, number = parts[4], parts[3], parts[6], parts[7]
        layer_store = stores.get(owner, region) if (owner, region) != (store.account_id, store.region) else store
        found = layer_store.layers.get(name)
        if found and number.isdigit() and int(number) in found.versions:
            codes.append(found.versions[int(number)].code)
    return codes
