"""What the stream core asks of a source: the adapter interface a Kinesis or
DynamoDB Streams adapter implements, and the values they exchange."""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Hashable, Optional

if TYPE_CHECKING:
    from ...backend.values import EventSourceMapping
    from ..clients import SourceClients

TRIM_HORIZON, LATEST, AT_TIMESTAMP, AFTER_SEQUENCE_NUMBER = "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", "AFTER_SEQUENCE_NUMBER"


@dataclass(frozen=True)
class Shard:
    shard_id: str
    parents: tuple[str, ...] = ()  # ParentShardId, AdjacentParentShardId


@dataclass(frozen=True)
class Position:
    """Where a shard iterator starts: ``TRIM_HORIZON``, ``LATEST``,
    ``AT_TIMESTAMP`` (``timestamp``, epoch seconds) or
    ``AFTER_SEQUENCE_NUMBER`` (``sequence``). ``TRIM_HORIZON`` with a
    ``timestamp``: from the oldest record, skipping those that arrived in an
    earlier second (a stream without ``AT_TIMESTAMP`` iterators)."""

    kind: str
    sequence: Optional[str] = None
    timestamp: Optional[float] = None

    def to_json(self) -> dict[str, Any]:
        return {name: value for name, value in
                (("kind", self.kind), ("sequence", self.sequence), ("timestamp", self.timestamp)) if value is not None}

    @classmethod
    def from_json(cls, value: Any) -> Optional["Position"]:
        if not isinstance(value, dict) or not value.get("kind"):
            return None
        return cls(value["kind"], value.get("sequence"), value.get("timestamp"))


@dataclass
class StreamRecord:
    """One record as Lambda delivers it (``event``), with what the core needs to
    batch it: its sequence number, when it reached the stream (epoch seconds),
    the key whose records keep their order (``ParallelizationFactor``) and its
    size in an invoke payload."""

    event: dict[str, Any]
    sequence: str
    arrival: float
    key: str
    size: int


class SourceGone(Exception):
    """The stream no longer exists (deleted stream or table)."""


class IteratorExpired(Exception):
    """The shard iterator is no longer valid: take a new one where reading had got to."""


class SourceUnavailable(Exception):
    """The source did not answer this time (throttled, unreachable, failing): try again later."""


class StreamSource(ABC):
    """A stream read through its service's API (botocore clients from ``clients``)."""

    #: ``event_sources.kinds`` kind (filtering views, validation).
    kind: str = ""
    #: The botocore service read (its endpoint decides whether change notices apply).
    service: str = ""
    #: The batch description's name in a failure record (``KinesisBatchInfo``...).
    batch_info: str = ""
    #: The most records one read may ask for.
    read_limit: int = 1000

    def __init__(self, mapping: "EventSourceMapping", clients: "SourceClients") -> None:
        self.mapping = mapping
        self.clients = clients
        self.arn = mapping.event_source_arn or ""
        parts = self.arn.split(":", 5)
        self.region = parts[3] if len(parts) == 6 else mapping.key.region
        self.account_id = parts[4] if len(parts) == 6 else mapping.key.account_id

    @abstractmethod
    def shards(self) -> list[Shard]:
        """Every shard of the stream, parents before children. Raises SourceGone, SourceUnavailable."""

    @abstractmethod
    def iterator(self, shard_id: str, position: Position) -> Optional[str]:
        """A shard iterator at ``position``; None when the shard no longer exists
        (expired). Raises SourceGone, SourceUnavailable."""

    @abstractmethod
    def read(self, shard_id: str, iterator: str, limit: int) -> tuple[list[StreamRecord], Optional[str]]:
        """Records at ``iterator`` and the next iterator (None: the shard is
        closed and read to its end). Raises IteratorExpired, SourceGone, SourceUnavailable."""

    @abstractmethod
    def initial_position(self, now: float) -> Position:
        """Where a new mapping starts reading the shards it finds (``StartingPosition``)."""

    @abstractmethod
    def notice_keys(self) -> tuple[Hashable, Hashable]:
        """The change-notice keys of (new records, changed shards) (``gateway/notices.py``)."""

    def set_up_at(self, now: float) -> float:
        """When the mapping was created or last changed (``LastModified``), at the latest ``now``."""
        modified = self.mapping.get("LastModified")
        if hasattr(modified, "timestamp"):
            modified = modified.timestamp()
        return min(float(modified), now) if isinstance(modified, (int, float)) else now

    def with_role(self, event: dict[str, Any], role: str) -> dict[str, Any]:
        """The record as invoked by a function whose execution role is ``role``."""
        return event

    @staticmethod
    def iso_time(epoch: float, milliseconds: bool = True) -> str:
        """``2019-11-14T00:38:04.835Z`` (or without milliseconds), as failure records show times."""
        moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
        if milliseconds:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def arrival_text(self, arrival: float) -> str:
        """A record's arrival in a failure record's batch description."""
        return self.iso_time(arrival)
