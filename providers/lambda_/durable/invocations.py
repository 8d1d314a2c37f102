"""The invocation loop of a durable execution (a mixin of ``DurableService``).

One thread per execution invokes its function while there is something to do:
each invocation gets a fresh checkpoint token and the execution's operations
(AWS's durable invocation input); the SDK's answer (``SUCCEEDED`` / ``FAILED`` /
``PENDING``) ends the execution or lets it wait for its next timer, callback or
chained invoke. A throttled invocation waits for a slot; one that fails (a
crash, a timeout, a retryable SDK error) is tried again, up to
``MAX_INVOCATION_FAILURES`` in a row before the execution fails with its error.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, Optional

from ..backend.errors import LambdaError, TooManyRequests
from ..backend.values import Caller, InvokeOptions
from . import history
from .ids import new_token
from .model import Execution, now

if TYPE_CHECKING:
    from ..backend.service import LambdaBackend

log = logging.getLogger("lambda.durable")

#: Operations sent in the invocation input; the SDK pages the rest with GetDurableExecutionState.
INPUT_PAGE = 1000
DEFAULT_PAGE = 100
#: Invocations that end in a function error (a crash, a timeout, a retryable SDK error)
#: before the execution fails with that error.
MAX_INVOCATION_FAILURES = 3
UNPAUSED = ("RUNNING",)
#: A throttled invocation is tried again after 0.1 s, doubling to 5 s, until it runs.
THROTTLE_FIRST_WAIT = 0.1
THROTTLE_LAST_WAIT = 5.0


def _millis(value: Any) -> Any:
    return int(value * 1000) if isinstance(value, (int, float)) else value


def input_operation(operation: dict[str, Any]) -> dict[str, Any]:
    """An operation as the invocation input carries it (JSON: timestamps in epoch milliseconds)."""
    converted = dict(operation)
    for key in ("StartTimestamp", "EndTimestamp"):
        if key in converted:
            converted[key] = _millis(converted[key])
    for details, key in (("StepDetails", "NextAttemptTimestamp"), ("WaitDetails", "ScheduledEndTimestamp")):
        if key in (converted.get(details) or {}):
            converted[details] = dict(converted[details], **{key: _millis(converted[details][key])})
    return converted


class Invocations:
    """Needs the service's lock, executions, tokens, backend, and its ``_persist``,
    ``_finish``, ``_paused`` and ``_apply_due_timers``."""

    _lock: threading.RLock
    _executions: dict[str, Execution]
    _tokens: dict[str, str]
    _backend: "LambdaBackend"

    def _invoke_soon(self, execution: Execution) -> None:
        """Invoke the function for ``execution`` unless an invocation runs (it will
        look again when it ends) or the execution is paused or over."""
        if execution.finished or execution.status not in UNPAUSED:
            return
        if execution.invoking:
            execution.replay_wanted = True
            return
        execution.invoking = True
        threading.Thread(target=self._invocations, args=(execution.arn,), name="durable-invoke", daemon=True).start()

    def _invocations(self, arn: str) -> None:
        while True:
            with self._lock:
                execution = self._executions.get(arn)
                if execution is None or execution.finished or execution.status not in UNPAUSED:
                    if execution is not None:
                        execution.invoking = False
                        if execution.status == "PAUSING":
                            self._paused(execution)
                    return
                payload = self._invocation_input(execution)
                self._persist(execution)  # in flight: a restart invokes again
            request_id = str(uuid.uuid4())
            started = now()
            output, failure = self._invoke_function(execution, payload, request_id)
            with self._lock:
                again = self._invocation_ended(execution, started, request_id, output, failure)
                if not again:
                    execution.invoking = False
                    if execution.status == "PAUSING":
                        self._paused(execution)
                    self._persist(execution)
                    return

    def _invocation_input(self, execution: Execution) -> bytes:
        if execution.token is not None:
            self._tokens.pop(execution.token, None)
        execution.token = new_token()
        execution.token_change = execution.changes
        self._tokens[execution.token] = execution.arn
        operations = execution.operation_list()
        page = [input_operation(operation) for operation in operations[:INPUT_PAGE]]
        document = {
            "DurableExecutionArn": execution.arn,
            "CheckpointToken": execution.token,
            "InitialExecutionState": {"Operations": page,
                                      "NextMarker": str(INPUT_PAGE) if len(operations) > INPUT_PAGE else ""},
            "UpdatedOperationIds": list(execution.updated_ids),
        }
        execution.updated_ids = []
        execution.replay_wanted = False
        return json.dumps(document, separators=(",", ":")).encode()

    def _invoke_function(self, execution: Execution, payload: bytes,
                         request_id: str) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
        """The SDK's answer ({"Status": ...}), or the invocation's failure as an ErrorObject."""
        caller = Caller(execution.account_id, execution.region)
        backoff = THROTTLE_FIRST_WAIT
        try:
            while True:
                target = self._backend.resolve(execution.function_name, execution.version, caller=caller)
                try:
                    outcome = self._backend.invoke(target, payload, "RequestResponse",
                                                   InvokeOptions(request_id=request_id, durable_replay=True))
                    break
                except TooManyRequests:  # throttled: not a failed invocation, it waits for a free slot
                    if execution.finished:
                        return None, {"ErrorType": "TooManyRequestsException", "ErrorMessage": "Rate Exceeded."}
                    time.sleep(backoff)
                    backoff = min(backoff * 2, THROTTLE_LAST_WAIT)
        except LambdaError as error:
            return None, {"ErrorType": type(error).__name__, "ErrorMessage": error.message}
        except Exception as error:  # the invocation could not run at all (an internal error)
            log.exception("durable invocation of %s failed", execution.arn)
            return None, {"ErrorType": "ServiceException", "ErrorMessage": str(error)}
        body = outcome.payload
        try:
            answer = json.loads(body) if body else None
        except ValueError:
            answer = None
        if outcome.function_error:
            error = answer if isinstance(answer, dict) else {}
            return None, {"ErrorType": str(error.get("errorType") or outcome.function_error),
                          "ErrorMessage": str(error.get("errorMessage") or body.decode("utf-8", "replace"))}
        if not isinstance(answer, dict) or answer.get("Status") not in ("SUCCEEDED", "FAILED", "PENDING"):
            return None, {"ErrorType": "InvalidDurableExecutionOutput",
                          "ErrorMessage": "The function did not answer a durable execution status "
                                          "(is it wrapped by a durable execution SDK?)."}
        return answer, None

    def _invocation_ended(self, execution: Execution, started: float, request_id: str,
                          output: Optional[dict[str, Any]], failure: Optional[dict[str, Any]]) -> bool:
        """Record the invocation's end; True when the function must be invoked again now."""
        if execution.token is not None:
            self._tokens.pop(execution.token, None)
            execution.token = None
        if execution.finished:  # stopped or timed out meanwhile
            return False
        details: dict[str, Any] = {"StartTimestamp": started, "EndTimestamp": now(), "RequestId": request_id}
        status = output.get("Status") if output else None
        error = failure or (output.get("Error") if status == "FAILED" else None)
        if error:
            details["Error"] = history.error(error)
        history.add(execution, "InvocationCompleted", details)
        if execution.pending_end is not None:
            self._finish(execution, *execution.pending_end)
            return False
        if status == "SUCCEEDED":
            self._finish(execution, "SUCCEEDED", output.get("Result"), None)  # type: ignore[union-attr]
            return False
        if status == "FAILED":
            self._finish(execution, "FAILED", None, error or {})
            return False
        if failure is not None:
            execution.invocation_failures += 1
            if execution.invocation_failures >= MAX_INVOCATION_FAILURES:
                self._finish(execution, "FAILED", None, failure)
                return False
            return True
        execution.invocation_failures = 0
        self._apply_due_timers(execution, ending=True)
        return not execution.finished and (execution.replay_wanted or bool(execution.updated_ids))

def error_payload(error: Optional[dict[str, Any]]) -> bytes:
    """A failed execution as a synchronous invoke answers it (the Lambda error document)."""
    error = error or {}
    document: dict[str, Any] = {"errorMessage": error.get("ErrorMessage") or "", "errorType": error.get("ErrorType")
                                or "Error"}
    if error.get("StackTrace"):
        document["stackTrace"] = error["StackTrace"]
    return json.dumps(document).encode()
