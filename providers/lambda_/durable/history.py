"""The execution's history: AWS's ``Event`` records, numbered from 1.

Event types and their ``<EventType>Details`` members are botocore's ``Event``
shape; which one each change writes, and in what order, follows AWS's
conformance requirements' expected histories (aws-durable-execution-conformance-tests):
``ExecutionStarted`` is event 1, each invocation ends with ``InvocationCompleted``,
and ``ExecutionSucceeded``/``Failed`` follows the last invocation's.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from .model import Execution, now

#: Members of event details that carry execution data (left out unless IncludeExecutionData).
DATA_MEMBERS = ("Input", "Result", "Error", "Reason")


def data(payload: Optional[str]) -> dict[str, Any]:
    """``EventInput`` / ``EventResult`` (never truncated here: AWS's histories say
    ``Truncated: false``, conformance requirement 1.18)."""
    return {"Payload": payload, "Truncated": False} if payload is not None else {}


def error(error_object: Optional[dict[str, Any]]) -> dict[str, Any]:
    """``EventError``."""
    return {"Payload": error_object, "Truncated": False} if error_object else {}


def add(execution: Execution, event_type: str, details: Optional[dict[str, Any]] = None,
        operation: Optional[dict[str, Any]] = None, at: Optional[float] = None) -> dict[str, Any]:
    """Append an event about ``operation`` (None: the execution itself)."""
    event: dict[str, Any] = {"EventType": event_type}
    if operation is not None and operation.get("SubType"):
        event["SubType"] = operation["SubType"]
    event["EventId"] = len(execution.events) + 1
    if operation is not None:
        event["Id"] = operation["Id"]
        if operation.get("Name"):
            event["Name"] = operation["Name"]
    else:
        event["Id"] = execution.execution_id
        if execution.name:
            event["Name"] = execution.name
    event["EventTimestamp"] = now() if at is None else at
    if operation is not None and operation.get("ParentId"):
        event["ParentId"] = operation["ParentId"]
    event[f"{event_type}Details"] = details or {}
    execution.events.append(event)
    return event


def without_data(event: dict[str, Any]) -> dict[str, Any]:
    """An event as answered when ``IncludeExecutionData`` is false."""
    trimmed = copy.copy(event)
    key = f"{event['EventType']}Details"
    trimmed[key] = {name: value for name, value in event.get(key, {}).items() if name not in DATA_MEMBERS}
    return trimmed
