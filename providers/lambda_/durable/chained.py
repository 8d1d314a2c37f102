"""Chained invokes (``context.invoke``), a mixin of ``DurableService``.

A CHAINED_INVOKE operation's START invokes the target: a durable target starts
an execution of its own (linked to the operation, so its end completes it, even
after a restart); any other runs once in the background. The outcome completes
the operation (``ChainedInvokeSucceeded`` / ``Failed``) and replays the caller;
while the caller's invocation runs it is held, as timers are, until that
invocation checkpoints or ends.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Optional

from ..backend.errors import LambdaError, UnqualifiedDurableInvoke
from ..backend.service import require_qualified_durable
from ..backend.values import Caller
from . import checkpoint
from .config import is_durable
from .model import Execution

if TYPE_CHECKING:
    from ..backend.service import LambdaBackend
    from ..invocation.service import InvokeTarget


class ChainedInvokes:
    """Needs the service's executions, backend, ``start``, ``_persist`` and ``_invoke_soon``."""

    _lock: threading.RLock
    _executions: dict[str, Execution]
    _backend: "LambdaBackend"

    def _start_chained(self, execution: Execution, chained: checkpoint.ChainedStart) -> None:
        caller = Caller(execution.account_id, execution.region)
        payload = (chained.payload if chained.payload is not None else "{}").encode()
        try:
            target = self._backend.resolve(chained.function_name, None, caller=caller)
            require_qualified_durable(target)
        except LambdaError as error:
            error_type = ("InvalidParameterValueException" if isinstance(error, UnqualifiedDurableInvoke)
                          else type(error).__name__)
            checkpoint.complete_outside(execution, chained.operation_id, "FAILED",
                                        error={"ErrorType": error_type, "ErrorMessage": error.message})
            execution.replay_wanted = True
            return
        chained.event["ChainedInvokeStartedDetails"]["ExecutedVersion"] = target.version
        if is_durable(target.config):
            child = self.start(target, payload, None, parent=(execution.arn, chained.operation_id))
            chained.event["ChainedInvokeStartedDetails"]["DurableExecutionArn"] = child.arn
            return
        link = (execution.arn, chained.operation_id)
        threading.Thread(target=self._run_plain_chained, args=(link, target, payload), name="durable-chained",
                         daemon=True).start()

    def _resume_plain_chained(self, execution: Execution) -> None:
        """At a restart: chained invokes of functions that are not durable, in flight when
        the previous run stopped, run again (at least once, as AWS retries an invocation
        it lost); a durable target's execution resumes on its own."""
        started = {event["Id"]: event for event in execution.events if event["EventType"] == "ChainedInvokeStarted"}
        for operation in list(execution.operations.values()):
            event = started.get(operation["Id"])
            if operation["Type"] != "CHAINED_INVOKE" or operation["Status"] != "STARTED" or event is None:
                continue
            details = event["ChainedInvokeStartedDetails"]
            if details.get("DurableExecutionArn"):
                continue
            self._start_chained(execution, checkpoint.ChainedStart(
                operation["Id"], details["FunctionName"], (details.get("Input") or {}).get("Payload"),
                details.get("TenantId"), event))

    def _run_plain_chained(self, link: tuple[str, str], target: "InvokeTarget", payload: bytes) -> None:
        """A chained invoke of a function that is not durable: one ordinary invocation."""
        try:
            outcome = self._backend.invoke(target, payload, "RequestResponse")
            body = outcome.payload.decode("utf-8", "replace")
            error = None
            if outcome.function_error:
                try:
                    answer = json.loads(body)
                except ValueError:
                    answer = {}
                answer = answer if isinstance(answer, dict) else {}
                error = {"ErrorType": str(answer.get("errorType") or outcome.function_error),
                         "ErrorMessage": str(answer.get("errorMessage") or body)}
        except LambdaError as failure:
            body, error = "", {"ErrorType": type(failure).__name__, "ErrorMessage": failure.message}
        with self._lock:
            self._complete_chained(link, None if error else body, error)

    def _chained_ended(self, link: tuple[str, str], child: Execution) -> None:
        if child.status == "SUCCEEDED":
            self._complete_chained(link, child.result, None)
        else:
            self._complete_chained(link, None, child.error or {"ErrorType": child.status})

    def _complete_chained(self, link: tuple[str, str], result: Optional[str],
                          error: Optional[dict[str, Any]]) -> None:
        execution = self._executions.get(link[0])
        if execution is None or execution.finished:
            return
        if execution.invoking:  # held until the invocation checkpoints or ends, as timers are
            execution.due_chained.append((link[1], result, error))
            return
        self._chained_outcome(execution, link[1], result, error)
        self._persist(execution)
        self._invoke_soon(execution)

    def _chained_outcome(self, execution: Execution, operation_id: str, result: Optional[str],
                         error: Optional[dict[str, Any]]) -> None:
        operation = execution.operations.get(operation_id)
        if operation is None or operation["Status"] != "STARTED":
            return
        if error is None:
            checkpoint.complete_outside(execution, operation_id, "SUCCEEDED", result=result)
        else:
            checkpoint.complete_outside(execution, operation_id, "FAILED", error=error)
        execution.replay_wanted = True
