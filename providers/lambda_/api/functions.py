"""Lambda API family: functions (``CreateFunction``, ``GetFunction``,
``GetFunctionConfiguration``, ``ListFunctions``, ``UpdateFunctionCode``,
``UpdateFunctionConfiguration``, ``DeleteFunction``).

Every change answers at once with the version marked ``Pending`` (create) or
``InProgress`` (update); ``self.lifecycle`` (see ``state.py``) completes the
transition in the background. Slow work (reading a zip, fetching from S3)
happens before the store lock is taken; the lock is held only to check and
apply the change and to persist it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Optional

from gateway.context import RequestContext

from .. import code as code_module
from .. import validation
from ..arns import FunctionRef, function_arn
from ..code_urls import DEFAULT_EXPIRES, CodeUrlSigner
from ..configuration import apply_update, image_digest, new_config, set_code
from ..hot_reload_rules import HotReloadRules
from ..limits import account_limits
from ..models import LATEST, CodeInfo, Function, FunctionVersion, now_timestamp
from ..state import Lifecycle, in_transition, mark_creating, mark_updating
from ..store import LambdaStore
from ..vpc import VpcResolver
from .base import LambdaApiBase, conflict, invalid_parameter, not_found
from .layers import layers_unzipped_size
from ..durable.config import check_durable_config
from .tags import validate_tags
from .versions import publish_version

CODE_SWEEP_DELAY = 1.0  # seconds: deletes in bulk share one sweep
LIST_PAGE_LIMIT = 50  # "ListFunctions returns a maximum of 50 items in each response"
_NOT_LISTED = frozenset(
    {
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
        "RuntimeVersionConfig",
    }
)


class FunctionsApi(LambdaApiBase):
    # Provider lifecycle (called by LambdaProvider) ------------------------------------------
    def init_functions(self) -> None:
        config = self.gateway.config
        self.limits = account_limits(config)
        hot_reload_rules = HotReloadRules.from_config(config, [self.stores.state_dir.parent])
        self.code_intake = code_module.CodeIntake(self.stores.code, self.limits, hot_reload_rules)
        secret_file = self.stores.state_dir / "code-url-secret" if config.persistence else None
        self.code_urls = CodeUrlSigner.load(
            secret_file, config.integer("LAMBDA_CODE_LOCATION_EXPIRES", DEFAULT_EXPIRES, 1)
        )
        self.lifecycle = Lifecycle(
            self.stores.is_current, delay_seconds=config.integer("LAMBDA_STATE_TRANSITION_DELAY_MS", 0) / 1000
        )
        self._synchronous_create = config.flag("LAMBDA_SYNCHRONOUS_CREATE")
        self._hot_reload_bucket = config.string("BUCKET_MARKER_LOCAL", "hot-reload")
        self._sweep_scheduled = False

    def on_start(self) -> None:
        """After the provider is built (and the data plane has registered its
        hooks): finish the transitions a previous run acknowledged."""
        super().on_start()  # type: ignore[misc]
        self._resume_transitions()

    def stop_functions(self) -> None:
        self.lifecycle.stop()

    def reset_functions(self) -> None:
        self.stores.reset(on_function_removed=self.lifecycle.function_deleted)

    def _resume_transitions(self) -> None:
        """Transitions a previous run acknowledged but did not finish (restart)."""
        for store in self.stores.all():
            with store.lock:
                pending = [
                    (function, version.qualifier, version.config.get("State") == "Pending")
                    for function in store.functions.values()
                    for version in [function.latest, *function.versions.values()]
                    if in_transition(version.config)
                ]
            for function, qualifier, creating in pending:
                self.lifecycle.submit(store, function, qualifier, creating)

    def collect_code(self) -> None:
        """Schedule a sweep of released code blobs (at most one pending, a second later)."""
        if self.stores.code.has_candidates and not self._sweep_scheduled:
            self._sweep_scheduled = True
            self.lifecycle.defer(self._sweep_code, delay=CODE_SWEEP_DELAY)

    def _sweep_code(self) -> None:
        self._sweep_scheduled = False
        self.stores.sweep_code()

    # CreateFunction ------------------------------------------------------------------------
    def create_function(self, context: RequestContext, request: dict) -> dict:
        self.code_intake.check_request_size(context.request.body_length, "CreateFunction")
        ref = self._create_ref(context, request["FunctionName"])
        package_type = request.get("PackageType") or "Zip"
        validation.validate_architectures(request.get("Architectures"))
        validation.validate_configuration(request)
        validation.validate_logging_config(request.get("LoggingConfig"))
        validation.validate_zip_package(package_type, request.get("Runtime"), request.get("Handler"))
        check_durable_config(request.get("DurableConfig"), runtime=request.get("Runtime"), package_type=package_type)
        validate_tags(request.get("Tags") or {})
        store = self.store(context)
        if ref.name in store.functions:
            raise conflict(f"Function already exist: {ref.name}")
        if request.get("VpcConfig") is not None:
            request = {**request, "VpcConfig": self.checked_vpc_config(context, request["VpcConfig"])}
        signing_arn = request.get("CodeSigningConfigArn")
        if signing_arn:
            self._signing_config(store, signing_arn)
        layers = self.resolve_layers(context, request["Layers"]) if request.get("Layers") else None
        code = self._intake(context, package_type, request.get("Code") or {}, creating=True,
                            layers_unzipped=layers_unzipped_size(self.stores, layers))
        try:
            with store.lock:
                if ref.name in store.functions:
                    raise conflict(f"Function already exist: {ref.name}")
                if signing_arn:
                    self._signing_config(store, signing_arn)  # again: it may have been deleted meanwhile
                config = new_config(request, ref.name, context.region, context.account_id, code, layers)
                mark_creating(config)
                function = Function(
                    name=ref.name,
                    account_id=context.account_id,
                    region=context.region,
                    latest=FunctionVersion(config=config, code=code),
                )
                function.tags = dict(request.get("Tags") or {})
                function.code_signing_config_arn = signing_arn
                published = self._publish(function) if request.get("Publish") else None
                store.add_function(function)
                store.save_function(function)
                response = self.config_view(function, published or function.latest)
                if published is not None:
                    response["FunctionArn"] = function.arn  # AWS answers create+publish with the unqualified ARN
        except BaseException:
            self.stores.code.release(code)
            self.collect_code()
            raise
        wait = self._synchronous_create
        self.lifecycle.submit(store, function, LATEST, creating=True, wait=wait)
        if published is not None:
            self.lifecycle.submit(store, function, published.qualifier, creating=True, wait=wait)
        if wait:
            with store.lock:
                response = self.config_view(function, published or function.latest)
                if published is not None:
                    response["FunctionArn"] = function.arn
        return response

    def _signing_config(self, store: LambdaStore, arn: str) -> None:
        """AWS's CodeSigningConfigNotFoundException for a config that does not exist
        (the code signing family's lookup; the provider composes both)."""
        self.code_signing_config_or_error(store, arn)  # type: ignore[attr-defined]

    def _create_ref(self, context: RequestContext, value: str) -> FunctionRef:
        ref = self.resolve(context, value)
        if ref.qualified_name or "." in ref.name:
            _, pattern = self._action_and_pattern(context)  # as AWS prints it for CreateFunction
            raise validation.validation_error(
                value, "functionName", f"Member must satisfy regular expression pattern: {pattern or ''}".rstrip()
            )
        if len(ref.name) > validation.MAX_FUNCTION_NAME:
            # AWS answers this one as InvalidParameterValueException (TestLambdaFunction::test_function_arns).
            raise validation.invalid_parameter(
                f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy constraint: "
                f"Member must have length less than or equal to {validation.MAX_FUNCTION_NAME}"
            )
        return ref

    # Code intake ---------------------------------------------------------------------------
    def _intake(self, context: RequestContext, package_type: str, source: dict, creating: bool,
                layers_unzipped: int = 0) -> CodeInfo:
        """The code a CreateFunction ``Code`` / UpdateFunctionCode request names,
        checked with the function's layers (``layers_unzipped`` bytes); a stored
        zip comes back holding one reference."""
        verb = "creating" if creating else "updating"
        image_uri = source.get("ImageUri")
        if package_type == "Image":
            if not image_uri:
                raise invalid_parameter(f"Please provide ImageUri when {verb} a function with packageType Image.")
            return CodeInfo(sha256=image_digest(image_uri), size=0, image_uri=image_uri)
        if image_uri:
            raise invalid_parameter(f"Please don't provide ImageUri when {verb} a function with packageType Zip.")
        zip_file = source.get("ZipFile")
        bucket, key, version = source.get("S3Bucket"), source.get("S3Key"), source.get("S3ObjectVersion")
        if zip_file is not None:
            if bucket or key or version:
                raise invalid_parameter("Please do not provide other FunctionCode parameters when providing a ZipFile.")
            return self.intake_zip(context, zip_file, layers_unzipped)
        if bucket and key:
            if bucket == self._hot_reload_bucket:
                return self.code_intake.hot_reload(key, layers_unzipped)
            return self.intake_s3(context, bucket, key, version, layers_unzipped)
        raise invalid_parameter("Please provide a source for function code.")

    # GetFunction / GetFunctionConfiguration -------------------------------------------------------
    def get_function(self, context: RequestContext, request: dict) -> dict:
        # Families written against the former helper ``get_function(store, ref)``
        # (now ``find_function``) still reach it through here.
        if isinstance(context, LambdaStore):
            return self.find_function(context, request)  # type: ignore[arg-type,return-value]
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store_of(ref)
        with store.lock:
            function, version = self._version(store, ref)
            configuration = self.config_view(function, version, ref.qualifier)
            code = version.code
            tags = dict(function.tags) if function.tags else None
            reserved = function.reserved_concurrency
        result: dict[str, Any] = {"Configuration": configuration, "Code": self._code_view(context, function, version, code)}
        if tags:
            result["Tags"] = tags
        if reserved is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
        return result

    def get_function_configuration(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store_of(ref)
        with store.lock:
            function, version = self._version(store, ref)
            return self.config_view(function, version, ref.qualifier)

    def _version(self, store: LambdaStore, ref: FunctionRef) -> tuple[Function, FunctionVersion]:
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name, ref.qualifier)}")
        return function, self.get_version(function, ref)

    def _code_view(self, context: RequestContext, function: Function, version: FunctionVersion, code: CodeInfo) -> dict:
        if code.image_uri:
            repository = code.image_uri.split("@", 1)[0].rsplit(":", 1)[0] if "/" in code.image_uri else code.image_uri
            return {
                "RepositoryType": "ECR",
                "ImageUri": code.image_uri,
                "ResolvedImageUri": f"{repository}@sha256:{image_digest(code.image_uri)}",
            }
        if code.hot_reload_dir:
            # As LocalStack answers for hot-reload code: never a download of the directory.
            return {"RepositoryType": "S3", "Location": f"Code location: {code.hot_reload_dir}"}
        host = context.request.host or f"127.0.0.1:{context.request.server_port}"
        sha_hex = code_module.b64_to_hex(code.sha256) if code.sha256 else ""
        return {"RepositoryType": "S3", "Location": self.code_urls.url(host, context.account_id, context.region, sha_hex)}

    # ListFunctions --------------------------------------------------------------------------
    def list_functions(self, context: RequestContext, request: dict) -> dict:
        limit = min(request.get("MaxItems") or LIST_PAGE_LIMIT, LIST_PAGE_LIMIT)
        if request.get("MasterRegion"):
            return {"Functions": []}  # only Lambda@Edge replicas match, and there are none
        every_version = request.get("FunctionVersion") == "ALL"
        after_name, after_qualifier = _decode_marker(request.get("Marker"))
        store = self.store(context)
        items: list[dict[str, Any]] = []
        next_marker: Optional[str] = None
        with store.lock:
            names = store.function_names
            if not every_version:
                start = store.names_after(after_name)
                for name in names[start : start + limit]:
                    items.append(_listed(store.functions[name], store.functions[name].latest, qualified=False))
                if start + limit < len(names):
                    next_marker = _encode_marker(names[start + limit - 1])
            else:
                index = store.names_after(after_name, inclusive=True)
                last: Optional[tuple[str, str]] = None
                while index < len(names) and next_marker is None:
                    function = store.functions[names[index]]
                    for version in _versions_in_order(function):
                        if after_qualifier is not None and function.name == after_name:
                            if _qualifier_key(version.qualifier) <= _qualifier_key(after_qualifier):
                                continue
                        if len(items) == limit:
                            next_marker = _encode_marker(*last)  # type: ignore[misc]
                            break
                        items.append(_listed(function, version, qualified=True))
                        last = (function.name, version.qualifier)
                    index += 1
        result: dict[str, Any] = {"Functions": items}
        if next_marker:
            result["NextMarker"] = next_marker
        return result

    # UpdateFunctionCode -------------------------------------------------------------------------
    def update_function_code(self, context: RequestContext, request: dict) -> dict:
        self.code_intake.check_request_size(context.request.body_length, "UpdateFunctionCode")
        ref = self.resolve(context, request["FunctionName"])
        validation.validate_architectures(request.get("Architectures"))
        store = self.store_of(ref)
        with store.lock:
            function = self._updatable(store, ref, request.get("RevisionId"))
            package_type = function.latest.config.get("PackageType", "Zip")
            layers = list(function.latest.config.get("Layers") or [])
        code = self._intake(context, package_type, request, creating=False,
                            layers_unzipped=layers_unzipped_size(self.stores, layers))
        old_code: Optional[CodeInfo] = None
        published: Optional[FunctionVersion] = None
        try:
            with store.lock:
                function = self._updatable(store, ref, request.get("RevisionId"))
                if request.get("DryRun"):
                    self.stores.code.release(code)
                    self.collect_code()
                    return self.config_view(function, function.latest)
                latest = function.latest
                old_code, latest.code = latest.code, code
                config = latest.config
                set_code(config, code)
                if request.get("Architectures"):
                    config["Architectures"] = list(request["Architectures"])
                config["LastModified"] = now_timestamp()
                mark_updating(config)
                published = self._publish(function) if request.get("Publish") else None
                store.save_function(function)
                response = self.config_view(function, published or latest)
        except BaseException:
            if old_code is None:
                self.stores.code.release(code)
                self.collect_code()
            raise
        self.stores.code.release(old_code)
        self.collect_code()
        self.lifecycle.submit(store, function, LATEST, creating=False)
        if published is not None:
            self.lifecycle.submit(store, function, published.qualifier, creating=True)
        return response

    # UpdateFunctionConfiguration ----------------------------------------------------------------
    def update_function_configuration(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        validation.validate_configuration(request)
        store = self.store(context)
        with store.lock:
            self._updatable(store, ref, request.get("RevisionId"))
        if "VpcConfig" in request:
            request = {**request, "VpcConfig": self.checked_vpc_config(context, request["VpcConfig"] or {})}
        layers = self.resolve_layers(context, request["Layers"] or []) if "Layers" in request else None
        if layers:
            with store.lock:
                code = self._updatable(store, ref, request.get("RevisionId")).latest.code
            self.code_intake.check_layers(code, layers_unzipped_size(self.stores, layers))
        with store.lock:
            function = self._updatable(store, ref, request.get("RevisionId"))
            config = function.latest.config
            if config.get("PackageType") == "Zip" and "Runtime" in request and not request["Runtime"]:
                raise invalid_parameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
            validation.validate_logging_config(request.get("LoggingConfig"), config.get("LoggingConfig"))
            check_durable_config(request.get("DurableConfig"), config.get("DurableConfig"), updating=True,
                                 runtime=request.get("Runtime") or config.get("Runtime"),
                                 package_type=config.get("PackageType"))
            apply_update(config, request, context.region, layers)
            mark_updating(config)
            store.save_function(function)
            response = self.config_view(function, function.latest)
        self.lifecycle.submit(store, function, LATEST, creating=False)
        return response

    def checked_vpc_config(self, context: RequestContext, given: dict) -> dict:
        """``given`` checked against the companion EC2, with its subnets' ``VpcId`` (``vpc.py``).
        Not under the store lock: this asks the gateway itself."""
        resolver = self.__dict__.get("_vpc_resolver") or self.__dict__.setdefault("_vpc_resolver", VpcResolver())
        endpoint = self.gateway_endpoint(context) if self.gateway.config.service_enabled("ec2") else None
        return resolver.resolve(given, context.account_id, context.region, endpoint)

    def _updatable(self, store: LambdaStore, ref: FunctionRef, revision_id: Optional[str]) -> Function:
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {ref.arn}")
        self.require_updatable(function)
        self.check_revision(function.latest.config, revision_id)
        return function

    # DeleteFunction -------------------------------------------------------------------------
    def delete_function(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        if ref.qualifier == LATEST:
            raise invalid_parameter("$LATEST version cannot be deleted without deleting the function.")
        store = self.store_of(ref)
        with store.lock:
            function = store.functions.get(ref.name)
            if function is None:
                raise not_found(f"Function not found: {ref.arn}")
            if ref.qualifier:
                version = self._delete_version(store, function, ref.qualifier)
            else:
                store.remove_function(function.name)
                store.delete_function(function.name)
        if ref.qualifier:
            if version is not None:
                self.stores.code.release(version.code)
                self.collect_code()
                self.lifecycle.version_deleted(store, function, version)
            return {"StatusCode": 204}
        for held in [function.latest, *function.versions.values()]:
            self.stores.code.release(held.code)
        self.collect_code()
        self.lifecycle.function_deleted(store, function)
        return {"StatusCode": 204}  # (the model's StatusCode member sets the HTTP status; AWS answers 204)

    @staticmethod
    def _delete_version(store: LambdaStore, function: Function, qualifier: str) -> Optional[FunctionVersion]:
        version = function.versions.get(qualifier)
        if version is None:
            return None  # AWS: deleting a version that does not exist succeeds
        referencing = [
            name
            for name, alias in function.aliases.items()
            if alias.get("FunctionVersion") == qualifier
            or qualifier in ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
        ]
        if referencing:
            raise conflict(
                f"Unable to delete version because the following aliases reference it: [{', '.join(sorted(referencing))}]"
            )
        del function.versions[qualifier]
        for settings in (function.provisioned_concurrency, function.event_invoke_configs, function.url_configs,
                         function.policies, function.policy_revision_ids, function.runtime_management):
            settings.pop(qualifier, None)
        store.save_function(function)
        return version

    # Publishing (CreateFunction / UpdateFunctionCode with Publish) --------------------------------
    def _publish(self, function: Function) -> Optional[FunctionVersion]:
        """Publish $LATEST while it is being created or updated (``Publish``): the
        version starts Pending and completes with it. Under the store lock."""
        count = len(function.versions)
        version = publish_version(function)
        if len(function.versions) > count:
            self.stores.code.acquire(version.code)
        return version


# Listing helpers ---------------------------------------------------------------------------
def _listed(function: Function, version: FunctionVersion, qualified: bool) -> dict[str, Any]:
    entry = {k: v for k, v in version.config.items() if k not in _NOT_LISTED and not k.startswith("_")}
    if qualified:
        entry["FunctionArn"] = function_arn(function.region, function.account_id, function.name, version.qualifier)
    return entry


def _qualifier_key(qualifier: str) -> int:
    return -1 if qualifier == LATEST else int(qualifier)


def _versions_in_order(function: Function) -> list[FunctionVersion]:
    return [function.latest, *sorted(function.versions.values(), key=lambda v: int(v.qualifier))]


def _encode_marker(name: str, qualifier: Optional[str] = None) -> str:
    text = name if qualifier is None else f"{name}:{qualifier}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode_marker(marker: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(last name returned, last qualifier returned); a marker that is not ours
    is taken as a function name, to list the names after it."""
    if not marker:
        return None, None
    try:
        text = base64.urlsafe_b64decode(marker.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return marker, None
    name, _, qualifier = text.partition(":")
    if qualifier and qualifier != LATEST and not qualifier.isdigit():
        return marker, None
    return name, qualifier or None

