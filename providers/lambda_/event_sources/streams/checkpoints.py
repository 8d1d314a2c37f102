"""A stream mapping's checkpoint: one entry per shard, saved through the
backend (``Poller.save_checkpoint``: on disk before it returns with
``PERSISTENCE=1``).

An entry says where reading resumes::

    {"sequence": "49590...",     # the last record that reached its outcome
     "start": {"kind": "AT_TIMESTAMP", "timestamp": 1700000000.0},
                                 # where reading began, until a record is checkpointed
     "done": true}               # the shard is closed and every record of it reached its outcome

A new mapping records where each shard it found starts (``StartingPosition``;
``LATEST`` on Kinesis as the moment the poller started, so a restart before
the first record does not skip what arrived meanwhile). A shard found later
(a child of a split or merge) starts at ``TRIM_HORIZON``: its records all
came after its parents', which were read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from .source import AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, Position


@dataclass(frozen=True)
class ShardCheckpoint:
    sequence: Optional[str] = None
    start: Optional[Position] = None
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if self.sequence is not None:
            entry["sequence"] = self.sequence
        if self.start is not None:
            entry["start"] = self.start.to_json()
        if self.done:
            entry["done"] = True
        return entry

    @classmethod
    def from_json(cls, value: Any) -> "ShardCheckpoint":
        if not isinstance(value, dict):
            return cls()
        sequence = value.get("sequence")
        return cls(sequence if isinstance(sequence, str) else None, Position.from_json(value.get("start")),
                   bool(value.get("done")))

    def resume_at(self) -> Position:
        """Where a reader of this shard starts."""
        if self.sequence is not None:
            return Position(AFTER_SEQUENCE_NUMBER, sequence=self.sequence)
        return self.start or Position(TRIM_HORIZON)


class Checkpoints:
    """The shards' entries, shared by the poller's threads."""

    def __init__(self, saved: dict[str, Any], save: Callable[[dict[str, Any]], bool]) -> None:
        self._entries = {shard_id: ShardCheckpoint.from_json(value) for shard_id, value in saved.items()}
        self._save = save
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._entries)

    def get(self, shard_id: str) -> Optional[ShardCheckpoint]:
        with self._lock:
            return self._entries.get(shard_id)

    def begin(self, starts: dict[str, Position]) -> None:
        """A new mapping's first shards and where each starts."""
        with self._lock:
            for shard_id, position in starts.items():
                self._entries[shard_id] = ShardCheckpoint(start=position)
            self._save({shard_id: self._entries[shard_id].to_json() for shard_id in starts})

    def advance(self, shard_id: str, sequence: str) -> None:
        """Every record of the shard up to ``sequence`` reached its outcome."""
        self._change(shard_id, sequence=sequence)

    def finish(self, shard_id: str, sequence: Optional[str]) -> None:
        """The shard is closed and read to its end."""
        self._change(shard_id, sequence=sequence, done=True)

    def _change(self, shard_id: str, **changes: Any) -> None:
        with self._lock:
            entry = self._entries.get(shard_id) or ShardCheckpoint()
            if changes.get("sequence") is None:
                changes.pop("sequence", None)
            entry = self._entries[shard_id] = replace(entry, **changes)
            self._save({shard_id: entry.to_json()})
