"""A durable execution as the service keeps it: plain data, no threads, no HTTP.

Operations are kept in AWS's ``Operation`` shape (timestamps as epoch seconds),
in the order they started (``GetDurableExecutionState`` answers them so).
Every change to an operation stamps it with the execution's next change number
(``changes``), so a checkpoint can answer exactly the operations changed since
the token it consumed was issued (``NewExecutionState``), including those an
outside call (a callback, a timer) changed meanwhile.
"""

from __future__ import annotations

import bisect
import copy
import time
from dataclasses import dataclass, field
from typing import Any, Optional

TERMINAL_OPERATION = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"})
TERMINAL_EXECUTION = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


def now() -> float:
    return time.time()


def _closed_context(operation: Optional[dict[str, Any]]) -> bool:
    """A completed CONTEXT whose children a replay does not need."""
    return (operation is not None and operation["Type"] == "CONTEXT" and operation["Status"] in TERMINAL_OPERATION
            and not (operation.get("ContextDetails") or {}).get("ReplayChildren"))


@dataclass
class Timer:
    """A moment the execution waits for: ``kind`` is ``wait`` (a WAIT ends),
    ``retry`` (a STEP becomes READY), ``callback`` / ``heartbeat`` (a CALLBACK
    times out) or ``execution`` (the whole execution times out)."""

    due: float  # wall-clock seconds, already scaled
    kind: str
    operation_id: str

    def to_json(self) -> dict[str, Any]:
        return {"due": self.due, "kind": self.kind, "op": self.operation_id}

    @staticmethod
    def from_json(data: dict[str, Any]) -> "Timer":
        return Timer(float(data["due"]), str(data["kind"]), str(data["op"]))


@dataclass
class Execution:
    arn: str
    name: str
    execution_id: str
    account_id: str
    region: str
    function_name: str
    version: str  # the qualified version every invocation runs ($LATEST or a number)
    function_arn: str  # the version's ARN
    input_payload: str
    durable_config: dict[str, Any]
    parent: Optional[tuple[str, str]] = None  # a chained invoke's (parent execution arn, operation id)
    start: float = field(default_factory=now)
    status: str = "RUNNING"
    end: Optional[float] = None
    result: Optional[str] = None
    error: Optional[dict[str, Any]] = None
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> Operation, in start order
    changed_at: dict[str, int] = field(default_factory=dict)  # id -> change number of its last change
    change_log: list[tuple[int, str]] = field(default_factory=list)  # (change number, id), ascending
    positions: dict[str, int] = field(default_factory=dict)  # id -> place in start order
    changes: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    callbacks: dict[str, str] = field(default_factory=dict)  # callback id -> operation id
    pause_details: Optional[dict[str, Any]] = None
    # When it went PAUSED with its timeout paused (ExecutionTimeoutPaused): a resume
    # moves the timeout on by the time spent paused.
    paused_since: Optional[float] = None
    # The request id of the Event invoke that started it: such an execution that ends
    # FAILED, STOPPED or TIMED_OUT sends that event to the function's dead-letter queue.
    event_request_id: Optional[str] = None
    # Runtime only (not persisted): the invocation in flight and what it must be told.
    token: Optional[str] = None  # the checkpoint token the next checkpoint must present
    token_change: int = 0  # ``changes`` when ``token`` was issued
    invoking: bool = False
    replay_wanted: bool = False  # something the function waits for happened during the invocation
    updated_ids: list[str] = field(default_factory=list)  # operations changed outside since the last invocation
    invocation_failures: int = 0
    # The EXECUTION operation's SUCCEED/FAIL checkpoint: (status, result, error), written
    # when the invocation that sent it completes (its InvocationCompleted comes first).
    due_timers: list[Timer] = field(default_factory=list)  # fired while an invocation ran (see service)
    # Chained invokes that ended while an invocation ran: (operation id, result, error), see service.
    due_chained: list[tuple[str, Optional[str], Optional[dict[str, Any]]]] = field(default_factory=list)
    persisted: tuple[int, int] = (0, 0)  # (changes, events) the journal holds
    interrupted: bool = False  # loaded from the journal with an invocation in flight
    pending_end: Optional[tuple[str, Optional[str], Optional[dict[str, Any]]]] = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_EXECUTION

    # Operations --------------------------------------------------------------------------------
    def put_operation(self, operation: dict[str, Any], outside: bool = False) -> None:
        """Store ``operation`` (new or changed) with the next change number;
        ``outside``: changed by something other than the function's checkpoint."""
        self.changes += 1
        self.positions.setdefault(operation["Id"], len(self.positions))
        self.operations[operation["Id"]] = operation
        self.changed_at[operation["Id"]] = self.changes
        self.change_log.append((self.changes, operation["Id"]))
        if outside and operation["Id"] not in self.updated_ids:
            self.updated_ids.append(operation["Id"])

    def changed_since(self, change: int) -> list[dict[str, Any]]:
        """Copies of the operations changed after change number ``change``, in start order."""
        start = bisect.bisect_right(self.change_log, change, key=lambda entry: entry[0])
        ids = {op_id for _, op_id in self.change_log[start:]}
        if len(ids) * 4 < len(self.operations):
            order = sorted(ids, key=self.positions.__getitem__)
        else:
            order = [op_id for op_id in self.operations if op_id in ids]
        return [copy.deepcopy(self.operations[op_id]) for op_id in order]

    def operation_list(self) -> list[dict[str, Any]]:
        """The operations a replay needs, in start order: AWS leaves out the children
        of a completed context ("Completed operations with children don't include
        child operation details since they don't need to be replayed",
        GetDurableExecutionState), unless it asked for ``ReplayChildren``."""
        hidden: set[str] = set()
        needed = []
        for operation in self.operations.values():
            parent_id = operation.get("ParentId")
            if parent_id is not None and (parent_id in hidden or _closed_context(self.operations.get(parent_id))):
                hidden.add(operation["Id"])
                continue
            needed.append(operation)
        return needed

    def execution_operation(self) -> dict[str, Any]:
        return self.operations[self.execution_id]

    # Summaries ----------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """AWS's ``Execution`` (ListDurableExecutionsByFunction)."""
        item: dict[str, Any] = {
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.name,
            "FunctionArn": self.function_arn,
            "Status": self.status,
            "StartTimestamp": self.start,
        }
        if self.end is not None:
            item["EndTimestamp"] = self.end
        return item

    # Persistence --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "arn": self.arn, "name": self.name, "id": self.execution_id, "account": self.account_id,
            "region": self.region, "function": self.function_name, "version": self.version,
            "function_arn": self.function_arn, "input": self.input_payload, "config": self.durable_config,
            "start": self.start, "status": self.status, "end": self.end, "result": self.result,
            "error": self.error, "operations": list(self.operations.values()), "events": self.events,
            "timers": [timer.to_json() for timer in self.timers], "callbacks": self.callbacks,
            "updated_ids": self.updated_ids, "in_flight": self.invoking, "parent": self.parent,
            "pause": self.pause_details, "paused_since": self.paused_since,
            "event_request_id": self.event_request_id,
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> "Execution":
        execution = Execution(
            arn=data["arn"], name=data["name"], execution_id=data["id"], account_id=data["account"],
            region=data["region"], function_name=data["function"], version=data["version"],
            function_arn=data["function_arn"], input_payload=data["input"], durable_config=data["config"],
            start=data["start"], status=data["status"], end=data["end"], result=data["result"],
            error=data["error"], events=list(data["events"]),
            timers=[Timer.from_json(timer) for timer in data["timers"]], callbacks=dict(data["callbacks"]),
            updated_ids=list(data.get("updated_ids") or []), interrupted=bool(data.get("in_flight")),
            parent=tuple(data["parent"]) if data.get("parent") else None,  # type: ignore[arg-type]
            pause_details=data.get("pause"), paused_since=data.get("paused_since"),
            event_request_id=data.get("event_request_id"),
        )
        for operation in data["operations"]:
            execution.put_operation(operation)
        return execution
