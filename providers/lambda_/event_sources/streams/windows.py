"""Tumbling windows (``TumblingWindowInSeconds``): state carried from one
invocation to the next within a window, as AWS's "Stateful processing"
sections of the Kinesis and DynamoDB guides describe it.

- A record belongs to the window its arrival time falls in; windows are
  aligned on multiples of their length (epoch seconds), and a batch holds
  records of one window.
- Each invocation gets the window's ``state`` (``{}`` at first) and answers
  ``{"state": ...}``, which the next invocation gets.
- Once the window has ended, a final invocation (``isFinalInvokeForWindow``,
  no records) gets the final state; it is retried until it succeeds, and the
  state is then dropped. A state over 1 MB ends the window early
  (``isWindowTerminatedEarly``): the window then goes on with a fresh state.
- The window's records are checkpointed once its final invocation succeeded:
  a restart replays the whole window with a fresh state, never a part of it.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from .source import StreamRecord

MAX_STATE_BYTES = 1024 * 1024


class TumblingWindow:
    """One lane's current window."""

    def __init__(self, seconds: int, shard_id: str, source_arn: str) -> None:
        self.seconds = seconds
        self.shard_id = shard_id
        self.source_arn = source_arn
        self.start: Optional[float] = None  # the open window (None: none open)
        self.state: Any = {}
        self.held: list["StreamRecord"] = []  # processed records awaiting the final invocation

    def start_of(self, record: "StreamRecord") -> float:
        return math.floor(record.arrival / self.seconds) * self.seconds

    @property
    def end(self) -> Optional[float]:
        return None if self.start is None else self.start + self.seconds

    def open(self, start: float) -> None:
        self.start, self.state, self.held = start, {}, []

    def close(self) -> list["StreamRecord"]:
        """The window's final invocation succeeded: its records may be checkpointed."""
        held, self.start, self.state, self.held = self.held, None, {}, []
        return held

    def state_too_large(self) -> bool:
        return len(json.dumps(self.state, separators=(",", ":")).encode()) > MAX_STATE_BYTES

    def fields(self, final: bool = False, terminated_early: bool = False) -> dict[str, Any]:
        """The members a windowed event carries beside ``Records``."""
        assert self.start is not None
        return {
            "window": {"start": _iso(self.start), "end": _iso(self.start + self.seconds)},
            "state": self.state,
            "shardId": self.shard_id,
            "eventSourceARN": self.source_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": terminated_early,
        }


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
