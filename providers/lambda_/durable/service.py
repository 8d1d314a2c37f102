"""The durable execution service: executions, their invocations, timers and callbacks.

One lock guards every execution; HTTP never reaches here (``api/durable.py``
speaks to clients). An execution is invoked by one thread at a time
(``invocations.py``): each invocation gets a fresh checkpoint token and the
execution's operations, and when it answers ``PENDING`` the execution waits
for a timer, a callback or a chained invoke (``chained.py``), whichever arrives
first, before it is invoked again.

A timer that falls due while an invocation runs is held until that invocation
checkpoints (the SDK's "refresh" checkpoints then see the wait ended) or ends
(then ``InvocationCompleted`` precedes ``WaitSucceeded``, as in AWS's histories,
even when ``LAMBDA_DURABLE_TIME_SCALE`` makes waits shorter than an invocation).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..arns import function_arn
from . import checkpoint, history
from .config import DEFAULT_RETENTION_DAYS, MAX_EXECUTION_TIMEOUT
from .errors import AlreadyStarted, CallbackClosed, Conflict, InvalidParameter, NotFound
from .ids import EXECUTION_ARN, execution_arn, new_execution_id, new_token
from .journal import COMPACT_BYTES, DurableJournal, change_record
from .chained import ChainedInvokes
from .invocations import Invocations
from .model import TERMINAL_OPERATION, Execution, Timer, now
from .timers import TimerThread

if TYPE_CHECKING:
    from ..backend.service import LambdaBackend
    from ..invocation.service import InvokeTarget

DEFAULT_PAGE = 100
#: An execution whose timeout is paused still times out this long after it started
#: (366 days: PauseDurableExecution's ExecutionTimeoutPaused).
TIMEOUT_PAUSED_LIMIT = 366 * 86400
#: The timer of a wait or retry delay that, under LAMBDA_DURABLE_TIME_SCALE, would end after the
#: execution's timeout (see ``_arm_scaled_timeout``).
SCALED_TIMEOUT = "scaled-timeout"
TIMED_OUT_ERROR = {"ErrorType": "States.Timeout", "ErrorMessage": "The durable execution timed out."}


class DurableService(Invocations, ChainedInvokes):
    def __init__(self, backend: "LambdaBackend", scale: float, state_dir: Optional[Path]) -> None:
        self._backend = backend
        self.scale = scale
        self._lock = threading.RLock()
        self._ended = threading.Condition(self._lock)
        self._executions: dict[str, Execution] = {}
        self._names: dict[tuple[str, str, str, str], str] = {}  # (account, region, function, name) -> arn
        self._tokens: dict[str, str] = {}  # current checkpoint token -> arn
        self._callbacks: dict[str, str] = {}  # open callback id -> arn
        self._children: dict[str, tuple[str, str]] = {}  # child execution arn -> (parent arn, operation id)
        self._timers = TimerThread(self._timer_fired)
        self._journal = DurableJournal(state_dir / "durable-executions.log") if state_dir is not None else None
        # Set by the provider: an execution started by an Event invoke ended FAILED, STOPPED
        # or TIMED_OUT; called outside the lock, on a thread of its own.
        self.on_failed_event: Optional[Callable[[Execution], None]] = None

    # Lifecycle ---------------------------------------------------------------------------------
    def load(self) -> int:
        """``PERSISTENCE=1``: executions of a previous run, their timers re-armed, and
        those interrupted mid-invocation (or with news for the function) invoked again."""
        if self._journal is None:
            return 0
        resumed = 0
        with self._lock:
            loaded = self._journal.load()
            for execution in loaded:
                execution.persisted = (execution.changes, len(execution.events))
                self._index(execution)
                for timer in execution.timers:
                    self._timers.add(timer.due, execution.arn, timer.kind, timer.operation_id)
            for execution in loaded:  # every execution is known before one is written (a rewrite keeps all)
                if execution.finished:
                    continue
                self._resume_plain_chained(execution)
                if execution.changes != execution.persisted[0]:
                    self._persist(execution)
                if execution.interrupted or execution.updated_ids or execution.replay_wanted:
                    execution.interrupted = False
                    self._invoke_soon(execution)
                resumed += 1
            for child_arn, link in list(self._children.items()):  # ended while its parent's outcome was held
                child = self._executions.get(child_arn)
                if child is not None and child.finished:
                    del self._children[child_arn]
                    self._chained_ended(link, child)
        return resumed

    def reset(self) -> None:
        with self._lock:
            for execution in self._executions.values():
                execution.status = "STOPPED" if not execution.finished else execution.status
            self._executions.clear()
            self._names.clear()
            self._tokens.clear()
            self._callbacks.clear()
            self._children.clear()
            self._timers.clear()
            if self._journal is not None:
                self._journal.clear()
            self._ended.notify_all()

    def shutdown(self) -> None:
        self._timers.stop()
        if self._journal is not None:
            self._journal.close()

    def _index(self, execution: Execution) -> None:
        self._executions[execution.arn] = execution
        self._names[(execution.account_id, execution.region, execution.function_name, execution.name)] = execution.arn
        if not execution.finished:
            for callback_id, op_id in execution.callbacks.items():
                if execution.operations.get(op_id, {}).get("Status") not in TERMINAL_OPERATION:
                    self._callbacks[callback_id] = execution.arn
        if execution.parent is not None:
            self._children[execution.arn] = tuple(execution.parent)  # type: ignore[assignment]

    def _persist(self, execution: Execution, whole: bool = False) -> None:
        """Write what changed in ``execution`` to the journal (under the lock); it is
        on disk when this returns."""
        if self._journal is None:
            return
        if whole:
            self._journal.put(execution)
        else:
            self._journal.write(change_record(execution, *execution.persisted))
        execution.persisted = (execution.changes, len(execution.events))
        if self._journal.size > COMPACT_BYTES:
            self._journal.rewrite(list(self._executions.values()))
            for each in self._executions.values():
                each.persisted = (each.changes, len(each.events))

    # Starting ------------------------------------------------------------------------------------
    def start(self, target: "InvokeTarget", payload: bytes, name: Optional[str],
              parent: Optional[tuple[str, str]] = None, event_request_id: Optional[str] = None) -> Execution:
        """A new execution of ``target`` (its version), invoked at once; with a
        ``name`` already used for the function: the same execution when the input
        is the same, DurableExecutionAlreadyStartedException when not.
        ``event_request_id``: started by that Event invoke (its failure is dead-lettered)."""
        input_payload = payload.decode("utf-8", "replace")
        with self._lock:
            if name is not None:
                known = self._executions.get(self._names.get((target.account_id, target.region,
                                                                target.function_name, name), ""))
                if known is not None:
                    if known.input_payload == input_payload and not known.finished:
                        return known
                    raise AlreadyStarted(f"Durable execution with name {name} already exists.")
            execution_id = new_execution_id()
            name = name or execution_id
            config = dict(target.config.get("DurableConfig") or {})
            execution = Execution(
                arn=execution_arn(target.region, target.account_id, target.function_name, target.version, name,
                                  execution_id),
                name=name, execution_id=execution_id, account_id=target.account_id, region=target.region,
                function_name=target.function_name, version=target.version,
                function_arn=function_arn(target.region, target.account_id, target.function_name, target.version),
                input_payload=input_payload, durable_config=config, parent=parent,
                event_request_id=event_request_id,
            )
            execution.put_operation({
                "Id": execution_id, "Type": "EXECUTION", "StartTimestamp": execution.start, "Status": "STARTED",
                "ExecutionDetails": {"InputPayload": input_payload},
            })
            timeout = int(config.get("ExecutionTimeout") or MAX_EXECUTION_TIMEOUT)
            history.add(execution, "ExecutionStarted",
                        {"Input": history.data(input_payload), "ExecutionTimeout": timeout}, at=execution.start)
            # Real time: the scale shortens what the execution waits for, never the work it does.
            timer = Timer(execution.start + timeout, "execution", execution_id)
            execution.timers.append(timer)
            self._index(execution)
            self._persist(execution, whole=True)
            self._timers.add(timer.due, execution.arn, timer.kind, timer.operation_id)
            self._invoke_soon(execution)
            return execution

    def wait_for_end(self, arn: str, timeout: float) -> Optional[Execution]:
        """The execution once it has ended, or None after ``timeout`` seconds."""
        deadline = now() + timeout
        with self._lock:
            while True:
                execution = self._executions.get(arn)
                if execution is None or execution.finished:
                    return execution
                left = deadline - now()
                if left <= 0:
                    return None
                self._ended.wait(left)

    def _finish(self, execution: Execution, status: str, result: Optional[str],
                error: Optional[dict[str, Any]]) -> None:
        execution.status, execution.end = status, now()
        execution.result, execution.error = result, error
        execution.pending_end = None
        operation = dict(execution.execution_operation())
        operation["Status"], operation["EndTimestamp"] = status, execution.end
        execution.put_operation(operation)
        if status == "SUCCEEDED":
            history.add(execution, "ExecutionSucceeded", {"Result": history.data(result)}, at=execution.end)
        elif status == "FAILED":
            history.add(execution, "ExecutionFailed", {"Error": history.error(error)}, at=execution.end)
        elif status == "TIMED_OUT":
            history.add(execution, "ExecutionTimedOut", {"Error": history.error(error)}, at=execution.end)
        else:
            history.add(execution, "ExecutionStopped", {"Error": history.error(error)}, at=execution.end)
        if execution.token is not None:
            self._tokens.pop(execution.token, None)
            execution.token = None
        for callback_id in execution.callbacks:
            self._callbacks.pop(callback_id, None)
        # Kept RetentionPeriodInDays after its end (real time), then gone as DeleteDurableExecution does.
        days = int(execution.durable_config.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS)
        execution.timers = [Timer(execution.end + days * 86400, "retention", execution.execution_id)]
        self._timers.add(execution.timers[0].due, execution.arn, "retention", execution.execution_id)
        self._ended.notify_all()
        parent = self._children.pop(execution.arn, None)
        if parent is not None:
            self._chained_ended(parent, execution)
        if status != "SUCCEEDED" and execution.event_request_id and self.on_failed_event is not None:
            threading.Thread(target=self.on_failed_event, args=(execution,), name="durable-dead-letter",
                             daemon=True).start()

    # Checkpoints ----------------------------------------------------------------------------------
    def checkpoint(self, arn: str, token: str, updates: list[dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            execution = self._by_token(arn, token)
            try:
                checkpoint.validate(execution, updates)
            except checkpoint.InvalidUpdate as problem:
                raise InvalidParameter(str(problem)) from None
            since = execution.token_change
            self._apply_due_timers(execution)
            callbacks_before = len(execution.callbacks)
            effects = checkpoint.apply(execution, updates, self.scale)
            for callback_id in list(execution.callbacks)[callbacks_before:]:
                self._callbacks[callback_id] = execution.arn
            for timer in effects.timers:
                execution.timers.append(timer)
                self._timers.add(timer.due, execution.arn, timer.kind, timer.operation_id)
                self._arm_scaled_timeout(execution, timer)
            if effects.cancelled_timers:
                execution.timers = [t for t in execution.timers if t.operation_id not in effects.cancelled_timers]
            for chained in effects.chained:
                self._start_chained(execution, chained)
            response: dict[str, Any] = {"NewExecutionState": {"Operations": execution.changed_since(since)}}
            self._tokens.pop(token, None)
            # No new token ends the invocation (the SDK answers PENDING): the execution
            # ended, or a pause was asked for ("PAUSING until the invocation reaches its
            # next checkpoint", PauseDurableExecution).
            if effects.execution_ended or execution.status == "PAUSING":
                execution.token = None
            else:
                execution.token = new_token()
                execution.token_change = execution.changes
                self._tokens[execution.token] = execution.arn
                response["CheckpointToken"] = execution.token
            self._persist(execution)
            return response

    def state(self, arn: str, token: str, marker: Optional[str], max_items: Optional[int]) -> dict[str, Any]:
        with self._lock:
            execution = self._by_token(arn, token)
            operations = execution.operation_list()
            start = self._marker(marker, len(operations))
            size = max_items or DEFAULT_PAGE
            page = operations[start:start + size]
            answer: dict[str, Any] = {"Operations": [dict(operation) for operation in page]}
            if start + size < len(operations):
                answer["NextMarker"] = str(start + size)
            return answer

    @staticmethod
    def _marker(marker: Optional[str], count: int) -> int:
        if not marker:
            return 0
        if not marker.isdigit() or int(marker) > count:
            raise InvalidParameter(f"Invalid marker: {marker}")
        return int(marker)

    def _by_token(self, arn: str, token: str) -> Execution:
        execution = self._executions.get(arn)
        if execution is None or self._tokens.get(token) != arn:
            # Exactly so: aws-durable-execution-sdk-python 3.0.0 retries the invocation on an
            # InvalidParameterValueException starting "Invalid checkpoint token" ("exact match").
            raise InvalidParameter("Invalid checkpoint token")
        return execution

    # Timers ------------------------------------------------------------------------------------------
    def _timer_fired(self, arn: str, kind: str, operation_id: str) -> None:
        with self._lock:
            execution = self._executions.get(arn)
            if execution is not None and execution.finished and kind == "retention":
                if execution.timers and execution.timers[0].due <= now() + 0.001:
                    self._forget(execution)
                return
            if execution is None or execution.finished:
                return
            timer = next((t for t in execution.timers if t.kind == kind and t.operation_id == operation_id), None)
            if timer is None or timer.due > now() + 0.001:
                return
            if kind == "execution":
                if execution.paused_since is not None and now() < execution.start + TIMEOUT_PAUSED_LIMIT:
                    # Paused with its timeout paused: the timer stays as it was (a resume moves it
                    # on by the time spent paused); it times out at the latest 366 days after it started.
                    self._timers.add(execution.start + TIMEOUT_PAUSED_LIMIT, arn, kind, operation_id)
                    return
                execution.timers.remove(timer)
                self._finish(execution, "TIMED_OUT", None, dict(TIMED_OUT_ERROR))
                self._persist(execution)
                return
            if kind == SCALED_TIMEOUT and execution.paused_since is not None:
                execution.timers.remove(timer)  # a pause stopped the clock: the real timeout applies
                self._persist(execution)
                return
            if execution.invoking:  # held until the invocation checkpoints or ends
                if timer not in execution.due_timers:
                    execution.due_timers.append(timer)
                return
            self._apply_timer(execution, timer)
            self._persist(execution)
            self._invoke_soon(execution)

    def _apply_due_timers(self, execution: Execution, ending: bool = False) -> None:
        """What fell due while an invocation ran: timers, and chained invokes that ended
        (a scaled timeout only once the invocation ended: ``ending``)."""
        due, execution.due_timers = execution.due_timers, []
        for timer in due:
            if timer.kind == SCALED_TIMEOUT and not ending:
                execution.due_timers.append(timer)
                continue
            self._apply_timer(execution, timer)
        ended, execution.due_chained = execution.due_chained, []
        for operation_id, result, error in ended:
            self._chained_outcome(execution, operation_id, result, error)

    def _apply_timer(self, execution: Execution, timer: Timer) -> None:
        if timer in execution.timers:
            execution.timers.remove(timer)
        operation = execution.operations.get(timer.operation_id)
        if operation is None or execution.finished:
            return
        status = operation["Status"]
        if timer.kind == SCALED_TIMEOUT:
            if (operation["Type"], status) in (("WAIT", "STARTED"), ("STEP", "PENDING")):
                self._finish(execution, "TIMED_OUT", None, dict(TIMED_OUT_ERROR))
            return
        if timer.kind == "wait" and status == "STARTED":
            checkpoint.complete_outside(execution, timer.operation_id, "SUCCEEDED")
        elif timer.kind == "retry" and status == "PENDING":
            checkpoint.step_ready(execution, timer.operation_id)
        elif timer.kind in ("callback", "heartbeat") and status == "STARTED":
            error_type = checkpoint.CALLBACK_TIMEOUT if timer.kind == "callback" else checkpoint.CALLBACK_HEARTBEAT
            checkpoint.complete_outside(execution, timer.operation_id, "TIMED_OUT",
                                        error={"ErrorType": error_type, "ErrorMessage": "Callback timed out"})
            self._callbacks.pop(operation["CallbackDetails"]["CallbackId"], None)
            execution.timers = [t for t in execution.timers if t.operation_id != timer.operation_id]
        else:
            return
        execution.replay_wanted = True

    # Callbacks ----------------------------------------------------------------------------------------
    def complete_callback(self, account_id: str, callback_id: str, result: Optional[bytes],
                          error: Optional[dict[str, Any]]) -> None:
        with self._lock:
            execution, operation_id = self._open_callback(account_id, callback_id)
            if error is None:
                text = (result or b"").decode("utf-8", "replace")
                checkpoint.complete_outside(execution, operation_id, "SUCCEEDED", result=text)
            else:
                checkpoint.complete_outside(execution, operation_id, "FAILED", error=error)
            self._callbacks.pop(callback_id, None)
            execution.timers = [t for t in execution.timers if t.operation_id != operation_id]
            self._persist(execution)
            self._invoke_soon(execution)

    def heartbeat(self, account_id: str, callback_id: str) -> None:
        with self._lock:
            execution, operation_id = self._open_callback(account_id, callback_id)
            started = next((e for e in reversed(execution.events)
                            if e.get("Id") == operation_id and e["EventType"] == "CallbackStarted"), None)
            seconds = (started or {}).get("CallbackStartedDetails", {}).get("HeartbeatTimeout")
            if not seconds:
                return
            execution.timers = [t for t in execution.timers
                                if not (t.operation_id == operation_id and t.kind == "heartbeat")]
            timer = Timer(now() + seconds * self.scale, "heartbeat", operation_id)
            execution.timers.append(timer)
            self._timers.add(timer.due, execution.arn, timer.kind, operation_id)
            self._persist(execution)

    def _open_callback(self, account_id: str, callback_id: str) -> tuple[Execution, str]:
        arn = self._callbacks.get(callback_id)
        execution = self._executions.get(arn or "")
        if execution is None:
            known = next((e for e in self._executions.values() if callback_id in e.callbacks), None)
            if known is not None and known.account_id == account_id:
                raise CallbackClosed("The callback ID token has either expired or the callback associated with "
                                     "the token has already been closed.")
            raise NotFound("The callback ID does not exist.")
        if execution.account_id != account_id:
            raise NotFound("The callback ID does not exist.")
        return execution, execution.callbacks[callback_id]

    # Control plane -------------------------------------------------------------------------------------
    def find(self, account_id: str, arn: str) -> Execution:
        execution = self._executions.get(arn)
        match = EXECUTION_ARN.match(arn)
        if execution is None or match is None or match["account"] != account_id:
            raise NotFound(f"Durable execution not found: {arn}")
        return execution

    def read(self, account_id: str, arn: str, reader: Callable[[Execution], Any]) -> Any:
        with self._lock:
            return reader(self.find(account_id, arn))

    def executions_of(self, account_id: str, region: str, function_name: str) -> list[Execution]:
        with self._lock:
            return [e for e in self._executions.values()
                    if (e.account_id, e.region, e.function_name) == (account_id, region, function_name)]

    def stop(self, account_id: str, arn: str, error: Optional[dict[str, Any]]) -> float:
        with self._lock:
            execution = self.find(account_id, arn)
            if execution.finished:
                raise InvalidParameter(f"Durable execution {arn} has already ended with status {execution.status}.")
            self._finish(execution, "STOPPED", None, error or {})
            self._persist(execution)
            return execution.end  # type: ignore[return-value]

    def pause(self, account_id: str, arn: str, reason: Optional[str], timeout_paused: bool) -> None:
        with self._lock:
            execution = self.find(account_id, arn)
            if execution.status != "RUNNING":
                raise Conflict(f"Cannot pause a durable execution in status {execution.status}.")
            execution.pause_details = {"PauseRequestTimestamp": now(), "ExecutionTimeoutPaused": timeout_paused}
            if reason:
                execution.pause_details["Reason"] = reason
            if execution.invoking:
                execution.status = "PAUSING"
            else:
                self._paused(execution)
            self._persist(execution)

    def _paused(self, execution: Execution) -> None:
        execution.status = "PAUSED"
        pause = execution.pause_details or {}
        details: dict[str, Any] = {"PauseRequestTimestamp": pause.get("PauseRequestTimestamp", now()),
                                   "ExecutionTimeoutPaused": bool(pause.get("ExecutionTimeoutPaused"))}
        if pause.get("Reason"):
            details["Reason"] = {"Payload": pause["Reason"], "Truncated": False}
        history.add(execution, "ExecutionPaused", details)
        if details["ExecutionTimeoutPaused"]:
            execution.paused_since = now()

    def resume(self, account_id: str, arn: str, reason: Optional[str] = None) -> None:
        with self._lock:
            execution = self.find(account_id, arn)
            if execution.status not in ("PAUSED", "PAUSING"):
                raise Conflict(f"Cannot resume a durable execution in status {execution.status}.")
            was_paused = execution.status == "PAUSED"
            execution.status = "RUNNING"
            execution.pause_details = None
            if execution.paused_since is not None:
                self._extend_timeout(execution, now() - execution.paused_since)
                execution.paused_since = None
            if was_paused:
                details: dict[str, Any] = {"ResumeRequestTimestamp": now()}
                if reason:
                    details["Reason"] = {"Payload": reason, "Truncated": False}
                history.add(execution, "ExecutionResumed", details)
                execution.replay_wanted = True
                self._persist(execution)
                self._invoke_soon(execution)
            else:
                self._persist(execution)

    def _arm_scaled_timeout(self, execution: Execution, timer: Timer) -> None:
        """Under ``LAMBDA_DURABLE_TIME_SCALE`` waits and retry delays are shortened but the
        execution timeout is real time (it bounds the function's work, which no scale
        shortens). A wait that would end after the timeout (on AWS the execution times out
        while it waits) times the execution out once the time it had left, scaled, has
        passed, if the wait is still pending then."""
        if timer.kind not in ("wait", "retry") or not 0 < self.scale < 1:
            return
        deadline = next((t.due for t in execution.timers if t.kind == "execution"), None)
        start = now()
        if deadline is None or start + (timer.due - start) / self.scale <= deadline:
            return
        expiry = Timer(start + max(0.0, deadline - start) * self.scale, SCALED_TIMEOUT, timer.operation_id)
        execution.timers.append(expiry)
        self._timers.add(expiry.due, execution.arn, expiry.kind, expiry.operation_id)

    def _extend_timeout(self, execution: Execution, seconds: float) -> None:
        """Move the execution's timeout on by ``seconds`` (the time it spent paused with
        ExecutionTimeoutPaused), never past 366 days after it started."""
        timer = next((t for t in execution.timers if t.kind == "execution"), None)
        if timer is None:
            return
        execution.timers.remove(timer)
        moved = Timer(min(timer.due + seconds, execution.start + TIMEOUT_PAUSED_LIMIT), "execution",
                      timer.operation_id)
        execution.timers.append(moved)
        self._timers.add(moved.due, execution.arn, moved.kind, moved.operation_id)

    def delete(self, account_id: str, arn: str) -> float:
        with self._lock:
            execution = self.find(account_id, arn)
            if not execution.finished:
                raise Conflict(f"Durable execution {arn} is not in a terminal state: {execution.status}.")
            self._forget(execution)
            return now()

    def _forget(self, execution: Execution) -> None:
        del self._executions[execution.arn]
        self._names.pop((execution.account_id, execution.region, execution.function_name, execution.name), None)
        self._children.pop(execution.arn, None)
        if self._journal is not None:
            self._journal.write({"op": "delete", "id": execution.arn})
