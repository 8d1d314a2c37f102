"""Lambda API family: invoke (Invoke, InvokeAsync, InvokeWithResponseStream).

The request's own checks (payload size and JSON, client context) are made
here, in AWS's order; resolving and invoking are the backend's
(``self.backend.resolve`` / ``invoke``), whose domain exceptions the API edge
answers as AWS's errors.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..backend.service import require_qualified_durable
from ..backend.values import InvokeOptions, InvokeOutcome
from ..invocation.models import InvocationResult
from .base import LambdaApiBase
from .payload_json import payload_problem

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
    """AWS's InvalidRequestContentException for a payload that is not JSON, with
    its parser's description of the problem (``payload_json``)."""
    problem = payload_problem(payload)
    if problem is not None:
        raise ServiceError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: Could not parse payload into json: {problem}",
            status=400, Type="User",
        )


class InvokeApi(LambdaApiBase):
    # Operations ------------------------------------------------------------------------------
    def invoke(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        invocation_type = request.get("InvocationType") or "RequestResponse"
        payload = request.get("Payload") or b""
        self.backend.check_payload(invocation_type, len(payload))
        check_client_context(request.get("ClientContext"))
        target = self.backend.resolve(request["FunctionName"], request.get("Qualifier"), caller=self.caller(context))
        require_qualified_durable(target)
        if payload:
            check_json_payload(payload)
        else:
            payload = b"{}"
        if target.config.get("DurableConfig"):  # starts a durable execution (api/durable.py)
            return self.durable_invoke(context, request, target, payload, invocation_type)
        options = InvokeOptions(request_id=context.request_id, client_context=request.get("ClientContext"),
                                log_type=request.get("LogType") or "None")
        outcome = self.backend.invoke(target, payload, invocation_type, options)
        if outcome.result is None:  # Event: 202, DryRun: 204
            return {"StatusCode": outcome.status_code}
        return self.invoke_response(outcome)

    def invoke_with_response_stream(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        invocation_type = request.get("InvocationType") or "RequestResponse"
        payload = request.get("Payload") or b""
        self.backend.check_payload("RequestResponse", len(payload))
        check_client_context(request.get("ClientContext"))
        target = self.backend.resolve(request["FunctionName"], request.get("Qualifier"), caller=self.caller(context))
        if payload:
            check_json_payload(payload)
        else:
            payload = b"{}"
        require_qualified_durable(target)
        if invocation_type == "DryRun":
            return {"StatusCode": 204}
        options = InvokeOptions(request_id=context.request_id, client_context=request.get("ClientContext"),
                                streaming=True)
        result = self.backend.invoke(target, payload, "RequestResponse", options).result
        assert result is not None
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
            complete["LogResult"] = InvokeOutcome.tail(result.logs)
        yield {"InvokeComplete": complete}

    def invoke_async(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        body = request.get("InvokeArgs") or b""
        if hasattr(body, "read"):
            body = body.read()
        self.backend.check_payload("Event", len(body))
        target = self.backend.resolve(request["FunctionName"], None, caller=self.caller(context))
        self.backend.invoke(target, body or b"{}", "Event", InvokeOptions(request_id=context.request_id))
        return {"Status": 202}

    @staticmethod
    def invoke_response(outcome: InvokeOutcome) -> dict[str, Any]:
        result = outcome.result
        assert result is not None
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": result.executed_version,
        }
        if result.function_error:
            response["FunctionError"] = result.function_error
        if outcome.log_result is not None:
            response["LogResult"] = outcome.log_result
        return response
