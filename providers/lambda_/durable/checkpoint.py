"""``OperationUpdate``s applied to an execution, as AWS's checkpoint service does.

``validate`` checks a whole batch before ``apply`` changes anything, so a bad
update leaves the execution untouched. ``apply`` changes operations, writes
their history events and returns what the service must do next (``Effects``:
timers to arm, chained invokes to start, the execution's own end).

What each (type, action) does, from the SDKs' use of it and AWS's histories:

- STEP: START (new, or READY after a retry delay) -> STARTED, ``StepStarted``;
  SUCCEED / FAIL -> ``StepSucceeded`` / ``StepFailed`` with the attempt;
  RETRY -> PENDING until ``NextAttemptDelaySeconds`` pass (then READY and the
  function is invoked again), ``Attempt`` + 1, ``StepFailed`` with the error
  (or ``StepSucceeded`` with the state, for wait-for-condition) and
  ``RetryDetails``.
- WAIT: START -> STARTED, ``WaitStarted``, ends SUCCEEDED (``WaitSucceeded``)
  when the time passes; CANCEL -> ``WaitCancelled``.
- CALLBACK: START -> STARTED with a new ``CallbackId``, ``CallbackStarted``;
  completed from outside (SendDurableExecutionCallback*) or timed out.
- CONTEXT: START / SUCCEED / FAIL -> ``ContextStarted`` / ``Succeeded`` / ``Failed``.
- CHAINED_INVOKE: START -> STARTED, ``ChainedInvokeStarted``; the service invokes
  the target and completes the operation with its outcome.
- EXECUTION: SUCCEED / FAIL ends the execution with the payload or error (the
  SDK's way to return results too large for the invocation's response).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from . import history
from .ids import new_token
from .model import TERMINAL_OPERATION, Execution, Timer, now

ACTIONS = {
    "EXECUTION": ("SUCCEED", "FAIL"),
    "STEP": ("START", "SUCCEED", "FAIL", "RETRY"),
    "WAIT": ("START", "CANCEL"),
    "CALLBACK": ("START", "CANCEL"),
    "CONTEXT": ("START", "SUCCEED", "FAIL"),
    "CHAINED_INVOKE": ("START", "CANCEL"),
}
_NAMES = {"STEP": "Step", "WAIT": "Wait", "CALLBACK": "Callback", "CONTEXT": "Context",
          "CHAINED_INVOKE": "ChainedInvoke"}
CALLBACK_TIMEOUT = "Callback.Timeout"
CALLBACK_HEARTBEAT = "Callback.Heartbeat"


class InvalidUpdate(Exception):
    """An update AWS refuses (InvalidParameterValueException)."""


@dataclass
class ChainedStart:
    operation_id: str
    function_name: str
    payload: Optional[str]
    tenant_id: Optional[str]
    event: dict[str, Any]  # its ChainedInvokeStarted event (the service adds the target's version and ARN)


@dataclass
class Effects:
    timers: list[Timer] = field(default_factory=list)
    cancelled_timers: list[str] = field(default_factory=list)  # operation ids whose timers go
    chained: list[ChainedStart] = field(default_factory=list)
    execution_ended: bool = False


def validate(execution: Execution, updates: list[dict[str, Any]]) -> None:
    started: dict[str, str] = {}
    for update in updates:
        op_type, action, op_id = update["Type"], update["Action"], update["Id"]
        if action not in ACTIONS[op_type]:
            raise InvalidUpdate(f"Invalid action {action} for operation type {op_type}.")
        if op_type == "EXECUTION":
            continue
        existing = execution.operations.get(op_id)
        known_type = existing["Type"] if existing is not None else started.get(op_id)
        if known_type is not None and known_type != op_type:
            raise InvalidUpdate(f"Operation {op_id} is of type {known_type}, not {op_type}.")
        if existing is not None and existing["Status"] in TERMINAL_OPERATION:
            raise InvalidUpdate(f"Operation {op_id} has already completed.")
        if action == "START":
            if existing is not None and existing["Status"] not in ("READY", "PENDING") or op_id in started:
                raise InvalidUpdate(f"Operation {op_id} has already been started.")
            parent = update.get("ParentId")
            if parent and parent not in execution.operations and parent not in started:
                raise InvalidUpdate(f"Parent operation {parent} does not exist.")
            if op_type == "WAIT" and not (update.get("WaitOptions") or {}).get("WaitSeconds"):
                raise InvalidUpdate("WaitOptions.WaitSeconds is required to start a WAIT operation.")
            if op_type == "CHAINED_INVOKE" and not (update.get("ChainedInvokeOptions") or {}).get("FunctionName"):
                raise InvalidUpdate("ChainedInvokeOptions.FunctionName is required to start a CHAINED_INVOKE operation.")
            started[op_id] = op_type
        elif existing is None and op_id not in started and op_type not in ("STEP", "CONTEXT"):
            raise InvalidUpdate(f"Operation {op_id} does not exist.")


def apply(execution: Execution, updates: list[dict[str, Any]], scale: float) -> Effects:
    effects = Effects()
    for update in updates:
        _APPLY[update["Type"]](execution, update, effects, scale)
    return effects


def _new_operation(update: dict[str, Any], status: str) -> dict[str, Any]:
    operation: dict[str, Any] = {"Id": update["Id"]}
    for key in ("ParentId", "Name", "Type", "SubType"):
        if update.get(key):
            operation[key] = update[key]
    operation["StartTimestamp"] = now()
    operation["Status"] = status
    return operation


def _current(execution: Execution, update: dict[str, Any]) -> dict[str, Any]:
    """The operation an update changes (a copy: ``put_operation`` stores it back)."""
    existing = execution.operations.get(update["Id"])
    if existing is None:  # SUCCEED/FAIL of a step or context whose START was never sent
        return _new_operation(update, "STARTED")
    return dict(existing)


def _end(operation: dict[str, Any], status: str) -> None:
    operation["Status"] = status
    operation["EndTimestamp"] = now()


# Per type ----------------------------------------------------------------------------------------
def _step(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    action = update["Action"]
    if action == "START":
        existing = execution.operations.get(update["Id"])
        operation = dict(existing) if existing is not None else _new_operation(update, "STARTED")
        operation["Status"] = "STARTED"
        details = dict(operation.get("StepDetails") or {"Attempt": 0})
        details.pop("NextAttemptTimestamp", None)
        operation["StepDetails"] = details
        execution.put_operation(operation)
        history.add(execution, "StepStarted", {}, operation)
        return
    operation = _current(execution, update)
    details = dict(operation.get("StepDetails") or {"Attempt": 0})
    attempt = int(details.get("Attempt") or 0)
    payload, error = update.get("Payload"), update.get("Error")
    if action == "RETRY":
        delay = int((update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 1)
        due = now() + delay * scale
        details.update({"Attempt": attempt + 1, "NextAttemptTimestamp": due})
        details.pop("Result", None)
        details.pop("Error", None)
        if payload is not None:
            details["Result"] = payload
        if error:
            details["Error"] = error
        operation["Status"] = "PENDING"
        operation["StepDetails"] = details
        execution.put_operation(operation)
        retry = {"CurrentAttempt": attempt + 1, "NextAttemptDelaySeconds": delay}
        if error:
            history.add(execution, "StepFailed", {"Error": history.error(error), "RetryDetails": retry}, operation)
        else:
            history.add(execution, "StepSucceeded", {"Result": history.data(payload), "RetryDetails": retry},
                        operation)
        effects.timers.append(Timer(due, "retry", operation["Id"]))
        return
    details.pop("NextAttemptTimestamp", None)
    retry = {"CurrentAttempt": attempt + 1}
    if action == "SUCCEED":
        if payload is not None:
            details["Result"] = payload
        _end(operation, "SUCCEEDED")
        operation["StepDetails"] = details
        execution.put_operation(operation)
        history.add(execution, "StepSucceeded", {"Result": history.data(payload), "RetryDetails": retry}, operation)
    else:  # FAIL
        if error:
            details["Error"] = error
        _end(operation, "FAILED")
        operation["StepDetails"] = details
        execution.put_operation(operation)
        history.add(execution, "StepFailed", {"Error": history.error(error), "RetryDetails": retry}, operation)


def _wait(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    if update["Action"] == "START":
        seconds = int(update["WaitOptions"]["WaitSeconds"])
        operation = _new_operation(update, "STARTED")
        due = operation["StartTimestamp"] + seconds * scale
        operation["WaitDetails"] = {"ScheduledEndTimestamp": due}
        execution.put_operation(operation)
        history.add(execution, "WaitStarted", {"Duration": seconds, "ScheduledEndTimestamp": due}, operation)
        effects.timers.append(Timer(due, "wait", operation["Id"]))
        return
    operation = _current(execution, update)  # CANCEL
    _end(operation, "CANCELLED")
    execution.put_operation(operation)
    history.add(execution, "WaitCancelled", {"Error": history.error(update.get("Error"))}, operation)
    effects.cancelled_timers.append(operation["Id"])


def _callback(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    if update["Action"] == "START":
        options = update.get("CallbackOptions") or {}
        timeout = int(options.get("TimeoutSeconds") or 0)
        heartbeat = int(options.get("HeartbeatTimeoutSeconds") or 0)
        operation = _new_operation(update, "STARTED")
        callback_id = new_token()
        operation["CallbackDetails"] = {"CallbackId": callback_id}
        execution.put_operation(operation)
        execution.callbacks[callback_id] = operation["Id"]
        details: dict[str, Any] = {"CallbackId": callback_id}
        if heartbeat:
            details["HeartbeatTimeout"] = heartbeat
            effects.timers.append(Timer(now() + heartbeat * scale, "heartbeat", operation["Id"]))
        if timeout:
            details["Timeout"] = timeout
            effects.timers.append(Timer(now() + timeout * scale, "callback", operation["Id"]))
        history.add(execution, "CallbackStarted", details, operation)
        return
    operation = _current(execution, update)  # CANCEL
    _end(operation, "CANCELLED")
    execution.put_operation(operation)
    effects.cancelled_timers.append(operation["Id"])


def _context(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    action = update["Action"]
    if action == "START":
        operation = _new_operation(update, "STARTED")
        execution.put_operation(operation)
        history.add(execution, "ContextStarted", {}, operation)
        return
    operation = _current(execution, update)
    details = dict(operation.get("ContextDetails") or {})
    if (update.get("ContextOptions") or {}).get("ReplayChildren"):
        details["ReplayChildren"] = True
    if action == "SUCCEED":
        if update.get("Payload") is not None:
            details["Result"] = update["Payload"]
        _end(operation, "SUCCEEDED")
        operation["ContextDetails"] = details
        execution.put_operation(operation)
        history.add(execution, "ContextSucceeded", {"Result": history.data(update.get("Payload"))}, operation)
    else:
        if update.get("Error"):
            details["Error"] = update["Error"]
        _end(operation, "FAILED")
        operation["ContextDetails"] = details
        execution.put_operation(operation)
        history.add(execution, "ContextFailed", {"Error": history.error(update.get("Error"))}, operation)


def _chained_invoke(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    if update["Action"] == "START":
        options = update["ChainedInvokeOptions"]
        operation = _new_operation(update, "STARTED")
        operation["ChainedInvokeDetails"] = {}
        execution.put_operation(operation)
        details: dict[str, Any] = {"FunctionName": options["FunctionName"]}
        if options.get("TenantId"):
            details["TenantId"] = options["TenantId"]
        details["Input"] = history.data(update.get("Payload"))
        event = history.add(execution, "ChainedInvokeStarted", details, operation)
        effects.chained.append(ChainedStart(operation["Id"], options["FunctionName"], update.get("Payload"),
                                            options.get("TenantId"), event))
        return
    operation = _current(execution, update)  # CANCEL: the target runs on; its outcome is ignored
    _end(operation, "CANCELLED")
    execution.put_operation(operation)


def _execution(execution: Execution, update: dict[str, Any], effects: Effects, scale: float) -> None:
    if update["Action"] == "SUCCEED":
        execution.pending_end = ("SUCCEEDED", update.get("Payload"), None)
    else:
        execution.pending_end = ("FAILED", None, update.get("Error"))
    effects.execution_ended = True


_APPLY = {
    "STEP": _step,
    "WAIT": _wait,
    "CALLBACK": _callback,
    "CONTEXT": _context,
    "CHAINED_INVOKE": _chained_invoke,
    "EXECUTION": _execution,
}


# Changes from outside the function -----------------------------------------------------------
def complete_outside(execution: Execution, operation_id: str, status: str, *, result: Optional[str] = None,
                     error: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A callback, a chained invoke or a wait ends (SUCCEEDED / FAILED / TIMED_OUT),
    with its event; the function hears of it in ``UpdatedOperationIds`` and the
    next checkpoint's ``NewExecutionState``."""
    operation = dict(execution.operations[operation_id])
    kind = operation["Type"]
    details_key = {"CALLBACK": "CallbackDetails", "CHAINED_INVOKE": "ChainedInvokeDetails",
                   "WAIT": "WaitDetails"}[kind]
    details = dict(operation.get(details_key) or {})
    if result is not None:
        details["Result"] = result
    if error:
        details["Error"] = error
    operation[details_key] = details
    _end(operation, status)
    execution.put_operation(operation, outside=True)
    word = {"SUCCEEDED": "Succeeded", "FAILED": "Failed", "TIMED_OUT": "TimedOut", "STOPPED": "Stopped"}[status]
    if kind == "WAIT":
        started = next((e for e in execution.events if e.get("Id") == operation_id and e["EventType"] == "WaitStarted"),
                       None)
        event_details = {"Duration": started["WaitStartedDetails"]["Duration"]} if started else {}
    elif status == "SUCCEEDED":
        event_details = {"Result": history.data(result)}
    else:
        event_details = {"Error": history.error(error)}
    history.add(execution, f"{_NAMES[kind]}{word}", event_details, operation)
    return operation


def step_ready(execution: Execution, operation_id: str) -> None:
    """A step's retry delay passed: READY, for the next invocation to start it again."""
    operation = dict(execution.operations[operation_id])
    operation["Status"] = "READY"
    execution.put_operation(operation, outside=True)
