"""Lambda API family: durable executions (the 2025-12-01 durable functions API).

The execution service (``durable/service.py``) does the work; this module reads
requests, answers in AWS's shapes, and turns the service's refusals into AWS's
errors. ``durable_invoke`` is where Invoke hands over a function with
``DurableConfig``: the invoke starts an execution (``Event``: answered 202 with
its ARN; ``RequestResponse``: answered when it ends, at most 15 minutes, as AWS).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, Callable, Optional

from gateway.context import RequestContext
from gateway.errors import ServiceError

from ..durable import history
from ..durable.config import SYNC_INVOKE_LIMIT
from ..durable.errors import DurableError
from ..durable.model import Execution
from ..durable.invocations import error_payload
from ..durable.service import DurableService
from ..backend.values import InvokeOptions, InvokeOutcome
from ..invocation.models import InvocationResult
from ..invocation.service import InvokeTarget
from .base import LambdaApiBase

DEFAULT_PAGE = 100


def answering_durable_errors(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def operation(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except DurableError as error:
            raise ServiceError(error.code, error.message, status=error.status, Type="User") from None
    return operation


class DurableExecutionsApi(LambdaApiBase):
    durable: DurableService

    # Invoke's hand-over -----------------------------------------------------------------------
    @answering_durable_errors
    def durable_invoke(self, context: RequestContext, request: dict[str, Any], target: InvokeTarget,
                       payload: bytes, invocation_type: str) -> dict[str, Any]:
        if invocation_type == "DryRun":
            return {"StatusCode": 204}
        execution, outcome = self.start_durable(target, payload, invocation_type,
                                                InvokeOptions(request_id=context.request_id),
                                                request.get("DurableExecutionName"))
        if outcome.result is None:
            return {"StatusCode": 202, "DurableExecutionArn": execution.arn}
        return {**self.invoke_response(outcome), "DurableExecutionArn": execution.arn}

    def start_durable(self, target: InvokeTarget, payload: bytes, invocation_type: str, options: InvokeOptions,
                      name: Optional[str] = None) -> tuple[Execution, InvokeOutcome]:
        """Start an execution of ``target``; ``Event``: answered at once (202),
        ``RequestResponse``: answered when it ends (within AWS's 15 minutes), its
        result as the function's answer, its error as an ``Unhandled`` function error.
        Also what event source mappings, function URLs and InvokeAsync reach
        through the backend (``LambdaBackend.durable_invoke``)."""
        if invocation_type == "Event":  # its failure goes to the dead-letter queue (see provider.py)
            execution = self.durable.start(target, payload, name,
                                           event_request_id=options.request_id or str(uuid.uuid4()))
        else:
            execution = self.durable.start(target, payload, name)
        if invocation_type == "Event":
            return execution, InvokeOutcome(202)
        ended = self.durable.wait_for_end(execution.arn, SYNC_INVOKE_LIMIT)
        result = InvocationResult(request_id=options.request_id or execution.execution_id,
                                  executed_version=target.version)
        if ended is not None and ended.status == "SUCCEEDED":
            result.payload = (ended.result or "").encode()
        elif ended is None:
            result.function_error = "Unhandled"
            result.payload = error_payload({"ErrorType": "Sandbox.Timedout", "ErrorMessage": (
                f"The durable execution {execution.arn} did not end within the synchronous invoke limit; "
                "it goes on running")})
        else:
            result.function_error = "Unhandled"
            result.payload = error_payload(ended.error or {"ErrorType": ended.status})
        return execution, InvokeOutcome(200, result)

    # Reading executions ----------------------------------------------------------------------------
    @answering_durable_errors
    def get_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        include = request.get("IncludeExecutionData", True) is not False
        return self.durable.read(context.account_id, request["DurableExecutionArn"],
                                 lambda execution: _execution_view(execution, include))

    @answering_durable_errors
    def get_durable_execution_history(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        include = request.get("IncludeExecutionData", True) is not False

        def events(execution: Execution) -> list[dict[str, Any]]:
            return [event if include else history.without_data(event) for event in execution.events]

        found = self.durable.read(context.account_id, request["DurableExecutionArn"], events)
        if request.get("ReverseOrder"):
            found.reverse()
        page, marker = _page(found, request.get("Marker"), request.get("MaxItems"))
        answer: dict[str, Any] = {"Events": page}
        if marker:
            answer["NextMarker"] = marker
        return answer

    @answering_durable_errors
    def list_durable_executions_by_function(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        ref = self.resolve(context, request["FunctionName"], request.get("Qualifier"))
        store = self.store_of(ref)
        with store.lock:
            self.find_function(store, ref)
        qualifier = ref.qualifier or request.get("Qualifier")
        if qualifier:
            with store.lock:
                version = self.get_version(store.functions[ref.name], ref, qualifier)
                qualifier = version.config.get("Version", qualifier)
        statuses = set(request.get("Statuses") or [])
        name = request.get("DurableExecutionName")
        after, before = _epoch(request.get("StartedAfter")), _epoch(request.get("StartedBefore"))
        found = []
        for execution in self.durable.executions_of(ref.account_id, ref.region, ref.name):
            if qualifier and execution.version != qualifier:
                continue
            if statuses and execution.status not in statuses or name and execution.name != name:
                continue
            if after is not None and execution.start <= after or before is not None and execution.start >= before:
                continue
            found.append(execution.summary())
        # Newest first unless ReverseOrder (the model's documentation).
        found.sort(key=lambda item: item["StartTimestamp"], reverse=not request.get("ReverseOrder"))
        page, marker = _page(found, request.get("Marker"), request.get("MaxItems"))
        answer: dict[str, Any] = {"DurableExecutions": page}
        if marker:
            answer["NextMarker"] = marker
        return answer

    # The SDK's calls ----------------------------------------------------------------------------------
    @answering_durable_errors
    def checkpoint_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        return self.durable.checkpoint(request["DurableExecutionArn"], request["CheckpointToken"],
                                       list(request.get("Updates") or []))

    @answering_durable_errors
    def get_durable_execution_state(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        return self.durable.state(request["DurableExecutionArn"], request["CheckpointToken"], request.get("Marker"),
                                  request.get("MaxItems"))

    # Changing executions --------------------------------------------------------------------------------
    @answering_durable_errors
    def stop_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"StopTimestamp": self.durable.stop(context.account_id, request["DurableExecutionArn"],
                                                   request.get("Error"))}

    @answering_durable_errors
    def pause_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        self.durable.pause(context.account_id, request["DurableExecutionArn"], request.get("Reason"),
                           request.get("ExecutionTimeoutPaused") is not False)  # "The default value is true"
        return {}

    @answering_durable_errors
    def resume_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        self.durable.resume(context.account_id, request["DurableExecutionArn"], request.get("Reason"))
        return {}

    @answering_durable_errors
    def delete_durable_execution(self, context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
        return {"DeletionRequestTimestamp": self.durable.delete(context.account_id, request["DurableExecutionArn"])}

    # Callbacks --------------------------------------------------------------------------------------------
    @answering_durable_errors
    def send_durable_execution_callback_success(self, context: RequestContext, request: dict[str, Any]) -> dict:
        result = request.get("Result")
        if hasattr(result, "read"):
            result = result.read()
        self.durable.complete_callback(context.account_id, request["CallbackId"], result or b"", None)
        return {}

    @answering_durable_errors
    def send_durable_execution_callback_failure(self, context: RequestContext, request: dict[str, Any]) -> dict:
        self.durable.complete_callback(context.account_id, request["CallbackId"], None, request.get("Error") or {})
        return {}

    @answering_durable_errors
    def send_durable_execution_callback_heartbeat(self, context: RequestContext, request: dict[str, Any]) -> dict:
        self.durable.heartbeat(context.account_id, request["CallbackId"])
        return {}


def _execution_view(execution: Execution, include_data: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "DurableExecutionArn": execution.arn,
        "DurableExecutionName": execution.name,
        "FunctionArn": execution.function_arn,
        "StartTimestamp": execution.start,
        "Status": execution.status,
        "Version": execution.version,
        "ExecutionDataIncluded": include_data,
        "DurableConfig": {key: value for key, value in execution.durable_config.items() if key != "KMSKeyArn"},
    }
    if include_data:
        view["InputPayload"] = execution.input_payload
        if execution.result is not None:
            view["Result"] = execution.result
        if execution.error is not None:
            view["Error"] = execution.error
    if execution.end is not None:
        view["EndTimestamp"] = execution.end
    if execution.pause_details:  # its Reason "only present if you set IncludeExecutionData to true"
        view["PauseDetails"] = {key: value for key, value in execution.pause_details.items()
                                if include_data or key != "Reason"}
    deadline = next((timer.due for timer in execution.timers if timer.kind == "execution"), None)
    if deadline is not None and not execution.finished:  # moved on by pauses with ExecutionTimeoutPaused
        view["ExpectedExecutionTimeoutTimestamp"] = deadline
    return view


def _page(items: list[Any], marker: Optional[str], max_items: Optional[int]) -> tuple[list[Any], Optional[str]]:
    start = 0
    if marker:
        if not marker.isdigit() or int(marker) > len(items):
            raise ServiceError("InvalidParameterValueException", f"Invalid marker: {marker}", status=400,
                               Type="User")
        start = int(marker)
    size = max_items or DEFAULT_PAGE
    page = items[start:start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def _epoch(value: Any) -> Optional[float]:
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)
