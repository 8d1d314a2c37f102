"""Lambda API family: layers (``PublishLayerVersion``, ``GetLayerVersion``,
``GetLayerVersionByArn``, ``ListLayers``, ``ListLayerVersions``,
``DeleteLayerVersion``, ``Add/RemoveLayerVersionPermission``,
``GetLayerVersionPolicy``), and the validation of a function's ``Layers``.

A ``Layer`` outlives its versions: deleting every version keeps the layer's
``next_version``, because AWS never reuses a version number. A deleted version
that functions still use stays in ``Layer.versions`` flagged ``_Deleted``:
hidden from the API, its code still there for those functions (as in AWS). Layer versions of other accounts are
usable when their policy grants ``lambda:GetLayerVersion``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from .. import code as code_module
from .. import policies
from ..arns import layer_arn
from ..models import CodeInfo, Layer, LayerVersion, new_revision_id, now_timestamp
from ..store import LambdaStore, Stores
from .base import LambdaApiBase, conflict, invalid_parameter, not_found, precondition_failed
from .paging import paginate

GET_LAYER_VERSION = "lambda:GetLayerVersion"
MAX_FUNCTION_LAYERS = 5
RESOURCE_NOT_FOUND = "The resource you requested does not exist."
LAYER_REVISION_MISMATCH = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetLayerPolicy API to retrieve the latest Revision Id"
)
# The pattern AWS reports for an entry of a function's Layers (its own, not the model's).
FUNCTION_LAYER_PATTERN = (
    r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|"
    r"(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)

_LAYER_ARN = re.compile(
    r"^arn:(?P<partition>[a-zA-Z0-9-]+):lambda:(?P<region>[a-zA-Z0-9-]+):(?P<account>\d{12}):"
    r"layer:(?P<name>[a-zA-Z0-9-_]+)(?::(?P<version>[0-9]+))?$"
)
_AWS_LAYER_ARN = re.compile(r"^arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+$")
DELETED = "_Deleted"  # a deleted version kept for the functions that use it


@dataclass
class LayerRef:
    account_id: str
    region: str
    name: str
    version: Optional[int] = None

    @property
    def arn(self) -> str:
        return layer_arn(self.region, self.account_id, self.name)

    def version_arn(self, version: Optional[int] = None) -> str:
        return layer_arn(self.region, self.account_id, self.name, version if version is not None else self.version)


def parse_layer_arn(value: str) -> Optional[LayerRef]:
    match = _LAYER_ARN.match(value)
    if not match:
        return None
    version = int(match["version"]) if match["version"] is not None else None
    return LayerRef(match["account"], match["region"], match["name"], version)


def access_denied(caller_account: str, action: str, resource: str) -> ServiceError:
    return ServiceError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{caller_account}:root is not authorized to perform: {action} on resource: {resource} "
        f"because no resource-based policy allows the {action} action",
        status=403,
    )


def _matches(config: dict[str, Any], runtime: Optional[str], architecture: Optional[str]) -> bool:
    if runtime and runtime not in (config.get("CompatibleRuntimes") or []):
        return False
    if architecture and architecture not in (config.get("CompatibleArchitectures") or []):
        return False
    return True


def _version_key(version: int) -> str:
    """Page keys that ascend as versions descend (ListLayerVersions is newest first)."""
    return f"{10**12 - version:012d}"


# Function Layers -------------------------------------------------------------------
def _function_layer_pattern_error(layer_arns: list[str]) -> ServiceError:
    return ServiceError(
        "ValidationException",
        f"1 validation error detected: Value '[{', '.join(layer_arns)}]' at 'layers' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have "
        f"length greater than or equal to 1, Member must satisfy regular expression pattern: {FUNCTION_LAYER_PATTERN}, "
        "Member must not be null]",
        status=400,
    )


def find_layer_version(stores: Stores, ref: LayerRef) -> Optional[LayerVersion]:
    """A layer version the API shows (deleted ones are not)."""
    layer = stores.get(ref.account_id, ref.region).layers.get(ref.name)
    if layer is None or ref.version is None:
        return None
    return live_versions(layer).get(ref.version)


def live_versions(layer: Optional[Layer]) -> dict[int, LayerVersion]:
    """The versions the API shows (deleted ones left out)."""
    if layer is None:
        return {}
    return {n: v for n, v in layer.versions.items() if not v.config.get(DELETED)}


def _used_by_functions(stores: Stores, version_arn: str) -> bool:
    """Whether any function version, in any account, references the layer version.
    Read without the other stores' locks (a racing change only keeps a blob longer)."""
    try:
        for store in stores.all():
            for function in list(store.functions.values()):
                for version in [function.latest, *list(function.versions.values())]:
                    if any(entry.get("Arn") == version_arn for entry in version.config.get("Layers") or []):
                        return True
    except RuntimeError:  # changed while iterating: assume it is used
        return True
    return False


def layers_unzipped_size(stores: Stores, entries: Optional[list[dict[str, Any]]]) -> int:
    """The unzipped size of a function's layers (``Layers`` entries of its
    configuration), for AWS's function-plus-layers limit."""
    total = 0
    for entry in entries or []:
        ref = parse_layer_arn(entry.get("Arn", ""))
        if ref is None or ref.version is None:
            continue
        layer = stores.get(ref.account_id, ref.region).layers.get(ref.name)
        version = layer.versions.get(ref.version) if layer is not None else None
        if version is not None:  # (a deleted version still counts for the functions using it)
            total += stores.code.unzipped_size(version.code)
    return total


def resolve_function_layers(stores: Stores, account_id: str, region: str, layer_arns: list[str]) -> list[dict[str, Any]]:
    """Validate a function's ``Layers`` as AWS does and return the entries its
    configuration shows: ``[{"Arn": <layer version ARN>, "CodeSize": n}]``.

    At most 5 layers, each an ARN of a layer version in the function's region,
    one version per layer, existing, and (when from another account) shared
    with the caller's account."""
    if len(layer_arns) > MAX_FUNCTION_LAYERS:
        raise invalid_parameter("Cannot reference more than 5 layers.")
    refs: list[LayerRef] = []
    for value in layer_arns:
        ref = parse_layer_arn(value)
        if (ref is None or ref.version is None or len(value) > 140) and not _AWS_LAYER_ARN.match(value):
            raise _function_layer_pattern_error(layer_arns)
        if ref is not None and ref.region != region:
            raise invalid_parameter(
                f"Layers are not in the same region as the function. Layers are expected to be in region {region}."
            )
        refs.append(ref)  # type: ignore[arg-type]  (None only for awslayer ARNs)
    seen: dict[tuple[str, str], str] = {}
    for value, ref in zip(layer_arns, refs):
        if ref is None:
            continue
        key = (ref.account_id, ref.name)
        if key in seen:
            raise invalid_parameter(
                "Two different versions of the same layer are not allowed to be referenced in the same function. "
                f"{seen[key]} and {value} are versions of the same layer."
            )
        seen[key] = value
    entries: list[dict[str, Any]] = []
    for value, ref in zip(layer_arns, refs):
        version = find_layer_version(stores, ref) if ref is not None else None
        if ref is not None and ref.account_id != account_id:
            if version is None or not policies.grants_account(version.policy, account_id, GET_LAYER_VERSION):
                raise access_denied(account_id, GET_LAYER_VERSION, value)
        if version is None:
            raise invalid_parameter(f"Layer version {value} does not exist.")
        entries.append({"Arn": value, "CodeSize": version.code.size})
    return entries


class LayersApi(LambdaApiBase):
    # Helpers --------------------------------------------------------------------
    def _layer_ref(self, context: RequestContext, layer_name: str, version: Optional[int] = None) -> LayerRef:
        """``LayerName`` is a name or a layer ARN."""
        ref = parse_layer_arn(layer_name)
        if ref is None:
            return LayerRef(context.account_id, context.region, layer_name, version)
        ref.version = version
        return ref

    def _own_store(self, context: RequestContext, ref: LayerRef, action: str) -> LambdaStore:
        """The caller's store; another account's layer may not be changed."""
        if ref.account_id != context.account_id:
            raise access_denied(context.account_id, action, ref.version_arn() if ref.version else ref.arn)
        if ref.region != context.region:
            raise not_found(RESOURCE_NOT_FOUND)
        return self.store(context)

    @staticmethod
    def _check_version_number(version: int) -> None:
        if version < 1:
            raise invalid_parameter("Layer Version Cannot be less than 1")

    def _version_for_policy(self, context: RequestContext, request: dict, action: str) -> tuple[LambdaStore, Layer, LayerVersion, LayerRef]:
        ref = self._layer_ref(context, request["LayerName"], request["VersionNumber"])
        store = self._own_store(context, ref, action)
        layer = store.layers.get(ref.name)
        version = live_versions(layer).get(ref.version) if ref.version is not None else None
        if layer is None or version is None:
            raise not_found(f"Layer version {ref.version_arn()} does not exist.")
        return store, layer, version, ref

    def _layer_output(self, context: RequestContext, version: LayerVersion) -> dict[str, Any]:
        output = {k: copy.deepcopy(v) for k, v in version.config.items() if not k.startswith("_")}
        # Content.Location: a presigned URL of the gateway's code download route, issued
        # to the caller's account (as AWS's presigned S3 URL, valid for 10 minutes).
        host = context.request.host or f"127.0.0.1:{context.request.server_port}"
        try:
            sha_hex = code_module.b64_to_hex(version.code.sha256)
        except ValueError:
            sha_hex = ""
        # A hot-reload directory is named, as GetFunction names a function's, never served.
        location = (f"Code location: {version.code.hot_reload_dir}" if version.code.hot_reload_dir
                    else self.code_urls.url(host, context.account_id, context.region, sha_hex))
        output["Content"] = {
            "Location": location,
            "CodeSha256": version.code.sha256,
            "CodeSize": version.code.size,
        }
        return output

    def _intake_content(self, context: RequestContext, content: dict[str, Any]) -> CodeInfo:
        """A layer's ``Content``: a zip in the request or in the companion S3,
        checked and stored like function code (one reference, held by the version),
        or a hot-reload directory (``S3Bucket=<BUCKET_MARKER_LOCAL>``) as for functions."""
        if content.get("ZipFile") is not None:
            return self.intake_zip(context, content["ZipFile"])
        if content.get("S3Bucket") and content.get("S3Key"):
            if content["S3Bucket"] == self._hot_reload_bucket:
                return self.code_intake.hot_reload(content["S3Key"])
            return self.intake_s3(context, content["S3Bucket"], content["S3Key"], content.get("S3ObjectVersion"))
        raise invalid_parameter("Please provide a source for layer code.")

    def _readable_version(self, context: RequestContext, ref: LayerRef) -> LayerVersion:
        """A version the caller may read: its own, or another account's shared with it."""
        if ref.version is not None:
            self._check_version_number(ref.version)
        if ref.region != context.region:
            raise not_found(RESOURCE_NOT_FOUND)
        version = find_layer_version(self.stores, ref)
        if ref.account_id != context.account_id:
            if version is None or not policies.grants_account(version.policy, context.account_id, GET_LAYER_VERSION):
                raise access_denied(context.account_id, GET_LAYER_VERSION, ref.version_arn())
        if version is None:
            raise not_found(RESOURCE_NOT_FOUND)
        return version

    # Operations -----------------------------------------------------------------
    def publish_layer_version(self, context: RequestContext, request: dict) -> dict:
        ref = self._layer_ref(context, request["LayerName"])
        store = self._own_store(context, ref, "lambda:PublishLayerVersion")
        code = self._intake_content(context, request.get("Content") or {})
        with store.lock:
            layer = store.layers.get(ref.name)
            if layer is None:
                layer = store.layers[ref.name] = Layer(name=ref.name, account_id=ref.account_id, region=ref.region)
            number = layer.next_version
            layer.next_version += 1
            config: dict[str, Any] = {
                "Content": {"CodeSha256": code.sha256, "CodeSize": code.size},
                "LayerArn": layer.arn,
                "LayerVersionArn": layer_arn(layer.region, layer.account_id, layer.name, number),
                "Description": request.get("Description") or "",
                "CreatedDate": now_timestamp(),
                "Version": number,
            }
            for member in ("CompatibleArchitectures", "CompatibleRuntimes", "LicenseInfo"):
                if request.get(member) is not None:
                    config[member] = copy.deepcopy(request[member])
            version = LayerVersion(config=config, code=code)
            layer.versions[number] = version
            store.save_layer(layer)
            return self._layer_output(context, version)

    def get_layer_version(self, context: RequestContext, request: dict) -> dict:
        ref = self._layer_ref(context, request["LayerName"], request["VersionNumber"])
        version = self._readable_version(context, ref)
        return self._layer_output(context, version)

    def get_layer_version_by_arn(self, context: RequestContext, request: dict) -> dict:
        ref = parse_layer_arn(request["Arn"])
        if ref is None or ref.version is None:
            raise not_found(RESOURCE_NOT_FOUND)  # awslayer ARNs: nothing AWS-managed here
        version = self._readable_version(context, ref)
        return self._layer_output(context, version)

    def list_layers(self, context: RequestContext, request: dict) -> dict:
        runtime, architecture = request.get("CompatibleRuntime"), request.get("CompatibleArchitecture")
        store = self.store(context)
        items: list[dict[str, Any]] = []
        with store.lock:
            for name in sorted(store.layers):
                layer = store.layers[name]
                versions = live_versions(layer)
                latest = next(
                    (
                        versions[number]
                        for number in sorted(versions, reverse=True)
                        if _matches(versions[number].config, runtime, architecture)
                    ),
                    None,
                )
                if latest is not None:
                    items.append(
                        {"LayerName": name, "LayerArn": layer.arn, "LatestMatchingVersion": self._listed(latest)}
                    )
        page, next_marker = paginate(items, lambda item: item["LayerName"], request.get("Marker"), request.get("MaxItems"))
        result: dict[str, Any] = {"Layers": page}
        if next_marker:
            result["NextMarker"] = next_marker
        return result

    def list_layer_versions(self, context: RequestContext, request: dict) -> dict:
        runtime, architecture = request.get("CompatibleRuntime"), request.get("CompatibleArchitecture")
        ref = self._layer_ref(context, request["LayerName"])
        store = self._own_store(context, ref, "lambda:ListLayerVersions")
        with store.lock:
            live = live_versions(store.layers.get(ref.name))
            versions = [
                live[number] for number in sorted(live, reverse=True) if _matches(live[number].config, runtime, architecture)
            ]
            listed = [self._listed(version) for version in versions]
        page, next_marker = paginate(
            listed, lambda item: _version_key(item["Version"]), request.get("Marker"), request.get("MaxItems")
        )
        result: dict[str, Any] = {"LayerVersions": page}
        if next_marker:
            result["NextMarker"] = next_marker
        return result

    @staticmethod
    def _listed(version: LayerVersion) -> dict[str, Any]:
        """A ``LayerVersionsListItem``: the version without its ARN-of-layer and content."""
        return {
            k: copy.deepcopy(v)
            for k, v in version.config.items()
            if k not in ("Content", "LayerArn") and not k.startswith("_")
        }

    def delete_layer_version(self, context: RequestContext, request: dict) -> dict:
        ref = self._layer_ref(context, request["LayerName"], request["VersionNumber"])
        self._check_version_number(request["VersionNumber"])
        store = self._own_store(context, ref, "lambda:DeleteLayerVersion")
        number = request["VersionNumber"]
        released: Optional[CodeInfo] = None
        with store.lock:
            layer = store.layers.get(ref.name)
            version = live_versions(layer).get(number)
            if layer is None or version is None:
                return {}  # AWS answers 204 for a version that does not exist
            if _used_by_functions(self.stores, ref.version_arn(number)):
                version.config[DELETED] = True
                version.policy = None
            else:
                del layer.versions[number]
                released = version.code
            store.save_layer(layer)  # the layer stays: its version numbers are never reused
        if released is not None:
            self.stores.code.release(released)
        return {}

    def add_layer_version_permission(self, context: RequestContext, request: dict) -> dict:
        with self.store(context).lock:
            store, layer, version, ref = self._version_for_policy(context, request, "lambda:AddLayerVersionPermission")
            if request.get("RevisionId") is not None and request["RevisionId"] != version.policy_revision_id:
                raise precondition_failed(LAYER_REVISION_MISMATCH)
            sid = request["StatementId"]
            if policies.find_statement(version.policy, sid) is not None:
                raise conflict(
                    f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                    "or remove the existing statement."
                )
            try:
                statement = policies.layer_statement(
                    sid, request["Action"], request["Principal"], ref.version_arn(), request.get("OrganizationId")
                )
            except policies.InvalidPrincipal:
                raise invalid_parameter(policies.INVALID_PRINCIPAL) from None
            policy = version.policy or policies.new_policy()
            policy["Statement"].append(statement)
            version.policy = policy
            version.policy_revision_id = new_revision_id()
            store.save_layer(layer)
            return {"Statement": policies.to_json(statement), "RevisionId": version.policy_revision_id}

    def remove_layer_version_permission(self, context: RequestContext, request: dict) -> dict:
        with self.store(context).lock:
            store, layer, version, _ = self._version_for_policy(
                context, request, "lambda:RemoveLayerVersionPermission"
            )
            if request.get("RevisionId") is not None and request["RevisionId"] != version.policy_revision_id:
                raise precondition_failed(LAYER_REVISION_MISMATCH)
            sid = request["StatementId"]
            if not version.policy or not policies.remove_statement(version.policy, sid):
                raise not_found(f"Statement {sid} is not found in resource policy.")
            if not version.policy["Statement"]:
                version.policy = None
            version.policy_revision_id = new_revision_id()
            store.save_layer(layer)
        return {}

    def get_layer_version_policy(self, context: RequestContext, request: dict) -> dict:
        with self.store(context).lock:
            _, _, version, _ = self._version_for_policy(context, request, "lambda:GetLayerVersionPolicy")
            if not version.policy or not version.policy.get("Statement"):
                raise not_found("No policy is associated with the given resource.")
            return {"Policy": policies.to_json(version.policy), "RevisionId": version.policy_revision_id}

    # For CreateFunction / UpdateFunctionConfiguration -----------------------------
    def resolve_layers(self, context: RequestContext, layer_arns: list[str]) -> list[dict[str, Any]]:
        """``resolve_function_layers`` for the caller's account and region."""
        return resolve_function_layers(self.stores, context.account_id, context.region, layer_arns)
