"""Lambda API family: asynchronous invocation settings
(``Put/Get/Update/Delete/ListFunctionEventInvokeConfigs``).

Configs live in ``Function.event_invoke_configs`` keyed by qualifier ($LATEST,
a version or an alias), in AWS's ``FunctionEventInvokeConfig`` shape minus
``FunctionArn`` (derived). ``LastModified`` is epoch seconds. The async event
queue of the data plane reads them from there: ``MaximumRetryAttempts`` and
``MaximumEventAgeInSeconds`` absent mean AWS's defaults (2 and 21600).

Destinations are checked as AWS checks them when the config is saved: the
ARN's service must be SQS, SNS, Lambda or EventBridge (S3 buckets only for
``OnFailure``), a Lambda destination in this account and region must exist,
and a function cannot be its own destination. Other destinations are not
looked up (AWS checks permissions only when it delivers).
"""

from __future__ import annotations

import time
from typing import Any, Optional

from gateway.context import RequestContext

from ..arns import FUNCTION_ARN, FunctionRef, function_arn
from ..models import LATEST, Function
from ..store import LambdaStore
from ..validation import describe_destination_config
from .base import LambdaApiBase, invalid_parameter, not_found
from .paging import paginate, qualifier_order

SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
DESTINATION_SERVICES = {"OnSuccess": {"sqs", "sns", "lambda", "events"}, "OnFailure": {"sqs", "sns", "lambda", "events", "s3"}}


class EventInvokeConfigsApi(LambdaApiBase):
    # Lookups ------------------------------------------------------------------------
    def _invoke_target(self, context: RequestContext, request: dict) -> tuple[LambdaStore, FunctionRef, Optional[Function], str]:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store(context)
        return store, ref, store.functions.get(ref.name), ref.qualifier or LATEST

    @staticmethod
    def _invoke_qualifier_exists(function: Function, qualifier: str) -> bool:
        return qualifier == LATEST or qualifier in function.versions or qualifier in function.aliases

    def _invoke_existing_target(self, context: RequestContext, request: dict) -> tuple[LambdaStore, Function, str]:
        """For Put, Update and List: the function (and qualifier) must exist."""
        store, _, function, qualifier = self._invoke_target(context, request)
        if function is None or not self._invoke_qualifier_exists(function, qualifier):
            raise not_found("The function doesn't exist.")
        return store, function, qualifier

    def _invoke_config_missing(self, ref: FunctionRef, qualifier: str) -> Exception:
        arn = function_arn(ref.region, ref.account_id, ref.name, qualifier)
        return not_found(f"The function {arn} doesn't have an EventInvokeConfig")

    @staticmethod
    def _invoke_config_response(function: Function, qualifier: str, config: dict[str, Any]) -> dict[str, Any]:
        response = {"FunctionArn": f"{function.arn}:{qualifier}", **config}
        destinations = response.get("DestinationConfig") or {}
        response["DestinationConfig"] = {"OnSuccess": destinations.get("OnSuccess", {}), "OnFailure": destinations.get("OnFailure", {})}
        return response

    # Validation ---------------------------------------------------------------------
    def _validate_destinations(self, store: LambdaStore, function: Function, config: Optional[dict[str, Any]]) -> None:
        if not config:
            return
        for kind in ("OnSuccess", "OnFailure"):
            destination = (config.get(kind) or {}).get("Destination")
            if not destination:
                continue
            parts = destination.split(":", 5)
            service = parts[2] if len(parts) == 6 and parts[0] == "arn" else ""
            if service not in DESTINATION_SERVICES[kind]:
                raise invalid_parameter(f"The provided destination config {describe_destination_config(config)} is invalid.")
            if service == "lambda":
                self._validate_lambda_destination(store, function, destination)

    @staticmethod
    def _validate_lambda_destination(store: LambdaStore, function: Function, destination: str) -> None:
        match = FUNCTION_ARN.match(destination)
        if not match or not destination.split(":")[5:6] == ["function"]:
            raise invalid_parameter(f"The destination ARN {destination} is invalid.")
        if match["region"] != store.region or match["account"] != store.account_id:
            return  # another account or region: AWS checks access on delivery
        if match["name"] == function.name:
            raise invalid_parameter("You can't specify the function as a destination for itself.")
        target = store.functions.get(match["name"])
        qualifier = match["qualifier"]
        if target is None or (qualifier and qualifier != LATEST and qualifier not in target.versions and qualifier not in target.aliases):
            raise invalid_parameter(f"The destination ARN {destination} is invalid.")

    # Operations -----------------------------------------------------------------------
    def put_function_event_invoke_config(self, context: RequestContext, request: dict) -> dict:
        store, function, qualifier = self._invoke_existing_target(context, request)
        config = {name: request[name] for name in SETTINGS if request.get(name) is not None}
        if not config:
            raise invalid_parameter("You must specify at least one of error handling or destination setting.")
        with store.lock:
            self._validate_destinations(store, function, config.get("DestinationConfig"))
            config["LastModified"] = time.time()
            function.event_invoke_configs[qualifier] = config  # Put replaces
            store.save_function(function)
        return self._invoke_config_response(function, qualifier, config)

    def update_function_event_invoke_config(self, context: RequestContext, request: dict) -> dict:
        store, ref, function, qualifier = self._invoke_target(context, request)
        if function is None or not self._invoke_qualifier_exists(function, qualifier):
            raise not_found("The function doesn't exist.")
        changes = {name: request[name] for name in SETTINGS if request.get(name) is not None}
        if not changes:
            raise invalid_parameter("You must specify at least one of error handling or destination setting.")
        with store.lock:
            existing = function.event_invoke_configs.get(qualifier)
            if existing is None:
                raise self._invoke_config_missing(ref, qualifier)
            config = dict(existing)
            destinations = changes.pop("DestinationConfig", None)
            config.update(changes)
            if destinations is not None:
                # Update merges: a destination not named keeps its current value.
                merged = dict(config.get("DestinationConfig") or {})
                merged.update({kind: target for kind, target in destinations.items() if target is not None})
                config["DestinationConfig"] = merged
            self._validate_destinations(store, function, config.get("DestinationConfig"))
            config["LastModified"] = time.time()
            function.event_invoke_configs[qualifier] = config
            store.save_function(function)
        return self._invoke_config_response(function, qualifier, config)

    def get_function_event_invoke_config(self, context: RequestContext, request: dict) -> dict:
        _, ref, function, qualifier = self._invoke_target(context, request)
        config = function.event_invoke_configs.get(qualifier) if function else None
        if config is None or not self._invoke_qualifier_exists(function, qualifier):
            raise self._invoke_config_missing(ref, qualifier)
        return self._invoke_config_response(function, qualifier, config)

    def delete_function_event_invoke_config(self, context: RequestContext, request: dict) -> dict:
        store, ref, function, qualifier = self._invoke_target(context, request)
        with store.lock:
            if function is None or function.event_invoke_configs.pop(qualifier, None) is None:
                raise self._invoke_config_missing(ref, qualifier)
            store.save_function(function)
        return {}

    def list_function_event_invoke_configs(self, context: RequestContext, request: dict) -> dict:
        ref = self.resolve(context, request["FunctionName"])
        store = self.store(context)
        function = store.functions.get(ref.name)
        if function is None:
            raise not_found("The function doesn't exist.")
        with store.lock:
            items = [
                self._invoke_config_response(function, qualifier, config)
                for qualifier, config in sorted(function.event_invoke_configs.items(), key=lambda kv: qualifier_order(kv[0]))
                if self._invoke_qualifier_exists(function, qualifier)
            ]
        page, next_marker = paginate(items, lambda item: item["FunctionArn"], request.get("Marker"), request.get("MaxItems"))
        response: dict[str, Any] = {"FunctionEventInvokeConfigs": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response
