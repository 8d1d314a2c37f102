"""Lambda API family: code signing configs.

Configs live in ``LambdaStore.code_signing_configs`` keyed by ARN
(``arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 hex>``), in
AWS's ``CodeSigningConfig`` shape plus ``_Tags``. A function's config is
``Function.code_signing_config_arn``. Signatures are not verified: code is
accepted as AWS accepts it under the ``Warn`` policy.

``CreateFunction`` (functions family) may call ``self.code_signing_config_or_error``
to check the ``CodeSigningConfigArn`` it is given.
"""

from __future__ import annotations

import secrets
from typing import Any

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import function_arn
from ..models import Function, now_timestamp
from ..not_found import not_found_error
from ..store import LambdaStore
from .base import LambdaApiBase, conflict, not_found
from .paging import paginate, public
from .tags import validate_tags


def csc_not_found(arn: str) -> ServiceError:
    # AWS sends this one without "Type" (specs/errors/lambda-not-found.json).
    return not_found_error("code-signing-config", arn=arn)


class CodeSigningApi(LambdaApiBase):
    # Helpers -----------------------------------------------------------------------
    def code_signing_config_or_error(self, store: LambdaStore, arn: str) -> dict[str, Any]:
        """The config an ARN names, or AWS's ``CodeSigningConfigNotFoundException``."""
        record = store.code_signing_configs.get(arn)
        if record is None:
            raise not_found_error("code-signing-config-reference", arn=arn)
        return record

    def _csc_record(self, context: RequestContext, arn: str) -> tuple[LambdaStore, dict[str, Any]]:
        store = self.store(context)
        record = store.code_signing_configs.get(arn)
        if record is None:
            raise csc_not_found(arn)
        return store, record

    def _csc_function(self, context: RequestContext, function_name: str) -> tuple[LambdaStore, Function]:
        ref = self.resolve(context, function_name)
        store = self.store(context)
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found(f"Function not found: {function_arn(ref.region, ref.account_id, ref.name)}")
        return store, function

    # Configs -------------------------------------------------------------------------
    def create_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        validate_tags(request.get("Tags") or {})
        store = self.store(context)
        csc_id = f"csc-{secrets.token_hex(9)[:17]}"
        arn = f"arn:aws:lambda:{context.region}:{context.account_id}:code-signing-config:{csc_id}"
        record = {
            "CodeSigningConfigId": csc_id,
            "CodeSigningConfigArn": arn,
            "Description": request.get("Description", ""),
            "AllowedPublishers": request["AllowedPublishers"],
            "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Warn", **(request.get("CodeSigningPolicies") or {})},
            "LastModified": now_timestamp(),
            "_Tags": dict(request.get("Tags") or {}),
        }
        with store.lock:
            store.code_signing_configs[arn] = record
            store.save_code_signing_config(arn)
        return {"CodeSigningConfig": public(record)}

    def get_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        _, record = self._csc_record(context, request["CodeSigningConfigArn"])
        return {"CodeSigningConfig": public(record)}

    def update_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        store, record = self._csc_record(context, request["CodeSigningConfigArn"])
        with store.lock:
            changed = False
            for name in ("Description", "AllowedPublishers"):
                if name in request and request[name] != record.get(name):
                    record[name] = request[name]
                    changed = True
            if request.get("CodeSigningPolicies"):
                policies = {**record["CodeSigningPolicies"], **request["CodeSigningPolicies"]}
                changed = changed or policies != record["CodeSigningPolicies"]
                record["CodeSigningPolicies"] = policies
            if changed:
                record["LastModified"] = now_timestamp()
            store.save_code_signing_config(record["CodeSigningConfigArn"])
        return {"CodeSigningConfig": public(record)}

    def delete_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        store, record = self._csc_record(context, request["CodeSigningConfigArn"])
        arn = record["CodeSigningConfigArn"]
        with store.lock:
            if any(f.code_signing_config_arn == arn for f in list(store.functions.values())):
                raise conflict(f"The code signing configuration {arn} is in use by one or more functions.")
            store.code_signing_configs.pop(arn, None)
            store.delete_code_signing_config(arn)
        return {}

    def list_code_signing_configs(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        with store.lock:
            items = [public(record) for record in store.code_signing_configs.values()]
        page, next_marker = paginate(items, lambda item: item["CodeSigningConfigArn"], request.get("Marker"), request.get("MaxItems"))
        response: dict[str, Any] = {"CodeSigningConfigs": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def list_functions_by_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        store, record = self._csc_record(context, request["CodeSigningConfigArn"])
        arn = record["CodeSigningConfigArn"]
        with store.lock:
            arns = sorted(f.arn for f in store.functions.values() if f.code_signing_config_arn == arn)
        page, next_marker = paginate(arns, lambda item: item, request.get("Marker"), request.get("MaxItems"))
        response: dict[str, Any] = {"FunctionArns": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    # A function's config -------------------------------------------------------------------
    def put_function_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        arn = request["CodeSigningConfigArn"]
        self.code_signing_config_or_error(store, arn)  # AWS checks the config before the function
        store, function = self._csc_function(context, request["FunctionName"])
        with store.lock:
            function.code_signing_config_arn = arn
            store.save_function(function)
        return {"CodeSigningConfigArn": arn, "FunctionName": function.name}

    def get_function_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        _, function = self._csc_function(context, request["FunctionName"])
        if not function.code_signing_config_arn:
            return {}
        return {"CodeSigningConfigArn": function.code_signing_config_arn, "FunctionName": function.name}

    def delete_function_code_signing_config(self, context: RequestContext, request: dict) -> dict:
        store, function = self._csc_function(context, request["FunctionName"])
        with store.lock:
            if function.code_signing_config_arn:
                function.code_signing_config_arn = None
                store.save_function(function)
        return {}
