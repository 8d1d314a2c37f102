"""What goes in and out of the Lambda backend: plain values, never live records.

Everything a caller receives is a copy taken under the store's lock, so holding
one never holds the store, and changing one changes nothing stored.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

from ..invocation.models import InvocationResult
from ..invocation.service import InvokeTarget

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")

__all__ = [
    "Caller", "EventSourceMapping", "FunctionUrl", "InvokeOptions", "InvokeOutcome", "InvokeTarget",
    "MappingKey", "MappingWatcher", "INVOCATION_TYPES",
]


@dataclass(frozen=True)
class Caller:
    """Who asks, in which account and region (a name or partial ARN resolves
    there), for which IAM action (without ``lambda:``). Another account's
    function is resolved only when its resource-based policy allows the caller's
    account that action (or, for ``InvokeAsync``, ``InvokeFunction``)."""

    account_id: str
    region: str
    action: str = "InvokeFunction"
    name_pattern: Optional[str] = None  # the operation's FunctionName pattern, quoted when a name does not parse


@dataclass
class InvokeOptions:
    """How to invoke, besides the payload and the invocation type."""

    request_id: Optional[str] = None  # default: a new UUID
    client_context: Optional[str] = None  # base64 JSON, as X-Amz-Client-Context (checked by the API edge)
    log_type: str = "None"  # "Tail": the outcome carries the log tail (LogResult)
    trace_id: str = ""  # Lambda-Runtime-Trace-Id; default: a new root
    streaming: bool = False  # a streamed response is wanted (InvokeWithResponseStream, RESPONSE_STREAM URLs)
    # A streaming handler's answer stays in ``result.chunks`` even when ``streaming``
    # is off (the function-URL router maps it itself); otherwise it is joined
    # into ``result.payload``, as Invoke answers it.
    keep_chunks: bool = False
    # The durable service's own invocation of a durable function (its input is the
    # durable invocation input): run as it is, not as the start of a new execution.
    durable_replay: bool = False


@dataclass
class InvokeOutcome:
    """The answer to one invoke. ``status_code``: 200 (``RequestResponse``: ``result``
    holds the function's answer), 202 (``Event``: queued), 204 (``DryRun``)."""

    status_code: int
    result: Optional[InvocationResult] = None
    log_result: Optional[str] = None  # base64 of the last 4 KB of the logs, when log_type was "Tail"

    @property
    def payload(self) -> bytes:
        return self.result.payload if self.result is not None else b""

    @property
    def function_error(self) -> Optional[str]:
        """None, or ``"Unhandled"`` / ``"Handled"`` (AWS's X-Amz-Function-Error)."""
        return self.result.function_error if self.result is not None else None

    @staticmethod
    def tail(logs: str) -> str:
        return base64.b64encode(logs.encode()[-4096:]).decode()


@dataclass(frozen=True)
class FunctionUrl:
    """A function URL's id resolved: whose it is, its URL configuration (a copy)
    and, when asked for, the resource-based policy of its qualifier (a copy)."""

    account_id: str
    region: str
    function_name: str
    qualifier: Optional[str]  # None: the unqualified function ($LATEST); else an alias
    config: dict[str, Any] = field(default_factory=dict)
    policy: Optional[dict[str, Any]] = None


@dataclass(frozen=True, order=True)
class MappingKey:
    """Where an event source mapping lives."""

    account_id: str
    region: str
    uuid: str


@dataclass(frozen=True)
class EventSourceMapping:
    """An event source mapping as pollers see it: its configuration as
    ``GetEventSourceMapping`` answers it (a copy), whether the user wants it
    enabled, and which poller plugin reads its source (``source``: ``sqs``,
    ``kinesis``, ``dynamodb-streams``, ``kafka``, ``self-managed-kafka``, ``mq``,
    ``documentdb``)."""

    key: MappingKey
    source: str
    enabled: bool
    config: dict[str, Any]

    @property
    def uuid(self) -> str:
        return self.key.uuid

    @property
    def function_arn(self) -> str:
        return self.config["FunctionArn"]

    @property
    def event_source_arn(self) -> Optional[str]:
        return self.config.get("EventSourceArn")

    def get(self, name: str, default: Any = None) -> Any:
        """A configuration member (a copy: mutating it changes nothing)."""
        return copy.deepcopy(self.config.get(name, default))

    def settings(self) -> dict[str, Any]:
        """The members a poller works from: everything but the mapping's status
        (``State``, ``StateTransitionReason``, ``LastProcessingResult``, ``LastModified``).
        Two mappings with equal settings are polled the same way."""
        return {k: v for k, v in self.config.items() if k not in STATUS_MEMBERS}


STATUS_MEMBERS = frozenset({"State", "StateTransitionReason", "LastProcessingResult", "LastModified"})


class MappingWatcher(Protocol):
    """Told of every change to event source mappings (``LambdaBackend.watch_mappings``).
    Called on the thread that made the change, outside the store's lock: be quick."""

    def mapping_changed(self, key: MappingKey, mapping: Optional[EventSourceMapping]) -> None:
        """Created, updated, enabled, disabled (``mapping.enabled``), or deleted (``mapping`` None)."""

    def mappings_reset(self) -> None:
        """Every mapping is gone (``/_gateway/reset``)."""
