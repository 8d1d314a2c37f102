"""Lambda API family: invoke (Invoke, InvokeAsync, InvokeWithResponseStream)."""

from __future__ import annotations

import base64
import json
import random
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..arns import function_arn
from ..invocation.models import Invocation, InvocationResult
from ..invocation.service import InvokeTarget
from ..models import LATEST, Function, FunctionVersion
from .base import LambdaApiBase, conflict

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024


def request_too_large(limit: int) -> ServiceError:
    # AWS answers with this code (x-amzn-ErrorType), not the model's RequestTooLargeException:
    # observed on AWS and asserted by AWS's own Lambda test tool (aws/aws-lambda-dotnet).
    return ServiceError(
        "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        status=413,
    )


#: AWS: "Up to 3,583 bytes of base64-encoded data about the invoking client"
#: (Invoke's ``ClientContext``, API reference).
MAX_CLIENT_CONTEXT = 3583
_BAD_CLIENT_CONTEXT = "Client context must be a valid Base64-encoded JSON object."


def check_client_context(value: Optional[str]) -> None:
    """``X-Amz-Client-Context`` must be base64 of a JSON object, as AWS answers
    (400 ``InvalidRequestContentException``, the recorded wording). Over the
    documented 3,583 bytes: the same error with the limit (wording: best reading,
    no recording found)."""
    if value is None:
        return
    if len(value) > MAX_CLIENT_CONTEXT:
        raise ServiceError(
            "InvalidRequestContentException",
            f"Client context must be at most {MAX_CLIENT_CONTEXT} bytes of Base64-encoded data.",
            status=400,
        )
    try:
        document = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
        document = None
    if not isinstance(document, dict):
        raise ServiceError("InvalidRequestContentException", _BAD_CLIENT_CONTEXT, status=400)


def check_json_payload(payload: bytes) -> None:
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise ServiceError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {error}",
            status=400,
        ) from None


class InvokeApi(LambdaApiBase):
    # Operations ------------------------------------------------------------------------------
    def invoke(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        invocation_type = request.get("InvocationType") or "RequestResponse"
        payload = request.get("Payload") or b""
        limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
        if len(payload) > limit:
            raise request_too_large(limit)
        check_client_context(request.get("ClientContext"))
        target, function = self.invoke_target(context, request["FunctionName"], request.get("Qualifier"))
        if payload:
            check_json_payload(payload)
        else:
            payload = b"{}"
        if invocation_type == "DryRun":
            return {"StatusCode": 204}
        if invocation_type == "Event":
            # AWS: the response's x-amzn-RequestId is the invocation's request id.
            self.async_queue.enqueue(target, payload, request_id=context.request_id)
            return {"StatusCode": 202}
        invocation = Invocation(payload=payload, client_context=request.get("ClientContext"),
                                request_id=context.request_id)
        result = self.invocations.invoke(target, invocation)
        if result.chunks is not None:  # a streaming handler invoked without streaming
            result.payload = b"".join(result.chunks)
            if result.stream_error:
                result.payload = result.stream_error[1]
        return self.invoke_response(result, request.get("LogType") == "Tail")

    def invoke_with_response_stream(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        invocation_type = request.get("InvocationType") or "RequestResponse"
        payload = request.get("Payload") or b""
        if len(payload) > MAX_SYNC_PAYLOAD:
            raise request_too_large(MAX_SYNC_PAYLOAD)
        check_client_context(request.get("ClientContext"))
        target, _ = self.invoke_target(context, request["FunctionName"], request.get("Qualifier"))
        if payload:
            check_json_payload(payload)
        else:
            payload = b"{}"
        if invocation_type == "DryRun":
            return {"StatusCode": 204}
        invocation = Invocation(payload=payload, client_context=request.get("ClientContext"), streaming=True,
                                request_id=context.request_id)
        result = self.invocations.invoke(target, invocation)
        with_tail = request.get("LogType") == "Tail"
        return {
            "StatusCode": 200,
            "ExecutedVersion": result.executed_version,
            "ResponseStreamContentType": result.content_type or "application/octet-stream",
            "EventStream": self._stream_events(result, with_tail),
        }

    @staticmethod
    def _stream_events(result: InvocationResult, with_tail: bool):
        if result.chunks is not None:
            for chunk in result.chunks:
                yield {"PayloadChunk": {"Payload": chunk}}
        elif result.payload:
            yield {"PayloadChunk": {"Payload": result.payload}}
        complete: dict[str, Any] = {}
        if result.stream_error:
            complete["ErrorCode"] = result.stream_error[0]
            complete["ErrorDetails"] = result.stream_error[1].decode("utf-8", "replace")
        elif result.function_error:
            complete["ErrorCode"] = result.function_error
            complete["ErrorDetails"] = result.payload.decode("utf-8", "replace")
        if with_tail:
            complete["LogResult"] = base64.b64encode(result.logs.encode()[-4096:]).decode()
        yield {"InvokeComplete": complete}

    def invoke_async(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        body = request.get("InvokeArgs") or b""
        if hasattr(body, "read"):
            body = body.read()
        if len(body) > MAX_ASYNC_PAYLOAD:
            raise request_too_large(MAX_ASYNC_PAYLOAD)
        target, _ = self.invoke_target(context, request["FunctionName"], None)
        self.async_queue.enqueue(target, body or b"{}", request_id=context.request_id)
        return {"Status": 202}

    # Shared with other invokers (event sources, function URLs, destinations) ------------------
    def invoke_target(self, context: RequestContext, function_name: str, qualifier: Optional[str]) -> tuple[InvokeTarget, Function]:
        # A function ARN in another account is invoked when the owner's resource-based
        # policy allows the caller; it then runs as the owner's (logs, concurrency).
        ref = self.resolve(context, function_name, qualifier, other_accounts=True)
        store = self.stores.get(ref.account_id, ref.region)
        with store.lock:
            if ref.account_id != context.account_id:
                self.authorize_other_account(context, store, ref)
            function = self.get_function(store, ref)
            version = self.get_version(function, ref)
            executed = self._route_alias(function, ref.qualifier, version)
            config = dict(executed.config)
            state = config.get("State")
            if state != "Active":
                raise conflict(
                    "The operation cannot be performed at this time. "
                    f"The function is currently in the following state: {state}"
                )
            layers = self._layer_code(store, config)
            target = InvokeTarget(
                account_id=ref.account_id,
                region=ref.region,
                function_name=function.name,
                version=config.get("Version", LATEST),
                config=config,
                code=executed.code,
                layers=layers,
                reserved_concurrency=function.reserved_concurrency,
                gateway_port=context.request.server_port,
                invoked_arn=function_arn(ref.region, ref.account_id, function.name, ref.qualifier),
            )
        return target, function

    def _route_alias(self, function: Function, qualifier: Optional[str], version: FunctionVersion) -> FunctionVersion:
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

    def _layer_code(self, store, config: dict) -> list:
        codes = []
        for layer in config.get("Layers") or []:
            arn = layer.get("Arn", "")
            parts = arn.split(":")
            if len(parts) < 8:
                continue
            owner, name, number = parts[4], parts[6], parts[7]
            layer_store = self.stores.get(owner, parts[3]) if owner != store.account_id or parts[3] != store.region else store
            found = layer_store.layers.get(name)
            if found and number.isdigit() and int(number) in found.versions:
                codes.append(found.versions[int(number)].code)
        return codes

    @staticmethod
    def invoke_response(result: InvocationResult, with_tail: bool) -> dict[str, Any]:
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": result.executed_version,
        }
        if result.function_error:
            response["FunctionError"] = result.function_error
        if with_tail:
            response["LogResult"] = base64.b64encode(result.logs.encode()[-4096:]).decode()
        return response
