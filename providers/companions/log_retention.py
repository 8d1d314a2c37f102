"""CloudWatch Logs kept in bounded memory.

moto's logs backend keeps every event it is given, forever, as Python objects
(measured: a 73-character line costs 310 bytes, so about 240 bytes beyond its
message). Every line every function prints is shipped there, so a long invoke
load would grow the gateway's memory without end. ``LogRetention`` trims moto's
stores after each write, within three bounds:

- the log group's own ``retentionInDays`` (``PutRetentionPolicy``): events whose
  timestamp is older are removed, as AWS expires them (checked at most once a
  minute, and for a group at once when its policy is set);
- ``LOGS_MAX_EVENTS_PER_STREAM``: a stream keeps its newest events (one stream
  is one execution environment, which may live for hours);
- ``LOGS_RETENTION_BYTES``: all groups of all accounts and regions together keep
  at most this estimated memory (message characters plus ``EVENT_OVERHEAD`` per
  event); beyond it the oldest events go first, wherever they are, until 90 % of
  the budget is left, and streams this emptied are removed with them (a stream
  costs memory too; the log shipper recreates one it still writes to).

AWS keeps events until their group's retention expires them (forever by
default): these bounds are a local emulator's, documented with the variables.
GetLogEvents and FilterLogEvents read what is kept, unchanged.

The caller (``LogsProvider``) holds one lock around moto's logs requests and
these trims: moto's logs backend is not thread-safe for writes.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

#: Estimated memory of one of moto's log events beyond its message (measured: 310
#: bytes for a 73-character message, with its object, attribute dict and list slot).
EVENT_OVERHEAD = 240
#: How often groups' retentionInDays are applied, at most (seconds).
AGE_SWEEP_SECONDS = 60.0
#: Over budget, trimming goes down to this share of it, so it is not redone per write.
LOW_WATER = 0.9
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class RetentionLimits:
    max_bytes: int  # LOGS_RETENTION_BYTES; 0 = no total bound
    max_events_per_stream: int  # LOGS_MAX_EVENTS_PER_STREAM; 0 = no per-stream bound


def event_cost(message: str) -> int:
    return len(message) + EVENT_OVERHEAD


class LogRetention:
    """Trims moto's logs backends (``backends()`` yields each account/region's)."""

    def __init__(self, limits: RetentionLimits, backends: Callable[[], Iterator[Any]],
                 clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self._backends = backends
        self._clock = clock
        self._estimated = 0  # bytes added since the last exact count, plus that count
        self._next_age_sweep = 0.0
        self.removed_events = 0  # for tests and the curious

    # Hooks -------------------------------------------------------------------------------------------------
    def written(self, stream: Any, added: int) -> None:
        """``stream`` (moto's LogStream) just received events costing ``added`` bytes."""
        cap = self.limits.max_events_per_stream
        if cap and len(stream.events) > cap:
            self._drop_oldest(stream, len(stream.events) - cap)
        self._estimated += added
        now = self._clock()
        if now >= self._next_age_sweep:
            self._next_age_sweep = now + AGE_SWEEP_SECONDS
            self.expire()
        if self.limits.max_bytes and self._estimated > self.limits.max_bytes:
            self.trim_to(int(self.limits.max_bytes * LOW_WATER))

    def retention_set(self, group: Any) -> None:
        """A group's retentionInDays changed: apply it at once."""
        self._expire_group(group, self._clock())

    # Trimming ----------------------------------------------------------------------------------------------
    def expire(self) -> None:
        """Every group's retentionInDays."""
        now = self._clock()
        for backend in self._backends():
            for group in list(backend.groups.values()):
                self._expire_group(group, now)

    def trim_to(self, budget: int) -> None:
        """Count exactly; if over ``budget``, drop the oldest events until within it."""
        streams = [(group, stream) for backend in self._backends() for group in list(backend.groups.values())
                   for stream in list(group.streams.values())]
        total = sum(event_cost(event.message) for _, stream in streams for event in stream.events)
        excess = total - budget
        if excess > 0:
            drop = self._oldest(streams, excess)
            for (group, stream), count in drop.items():
                total -= sum(event_cost(event.message) for event in stream.events[:count])
                self._drop_oldest(stream, count)
                if not stream.events:
                    group.streams.pop(stream.log_stream_name, None)
        self._estimated = total

    @staticmethod
    def _oldest(streams: list[tuple[Any, Any]], excess: int) -> dict[tuple[Any, Any], int]:
        """How many leading events of each stream to drop so that ``excess`` bytes go,
        oldest timestamps first (a stream's events are in arrival order)."""
        heap = [(stream.events[0].timestamp, index, 0) for index, (_, stream) in enumerate(streams) if stream.events]
        heapq.heapify(heap)
        counts: dict[int, int] = {}
        while heap and excess > 0:
            _, index, position = heapq.heappop(heap)
            events = streams[index][1].events
            excess -= event_cost(events[position].message)
            counts[index] = position + 1
            if position + 1 < len(events):
                heapq.heappush(heap, (events[position + 1].timestamp, index, position + 1))
        return {streams[index]: count for index, count in counts.items()}

    def _expire_group(self, group: Any, now: float) -> None:
        days = group.retention_in_days
        if not days:
            return
        oldest_kept = int(now * 1000) - int(days) * _DAY_MS
        for stream in list(group.streams.values()):
            if stream.events and stream.events[0].timestamp >= oldest_kept and stream.events[-1].timestamp >= oldest_kept:
                continue  # in arrival order; a stream rarely holds a late old event
            kept = [event for event in stream.events if event.timestamp >= oldest_kept]
            if len(kept) != len(stream.events):
                self._replace(stream, kept)
                if not kept:
                    group.streams.pop(stream.log_stream_name, None)

    def _drop_oldest(self, stream: Any, count: int) -> None:
        events = stream.events
        dropped_characters = sum(len(events[index].message) for index in range(min(count, len(events))))
        self.removed_events += min(count, len(events))
        del events[:count]  # in place: no copy of a list of thousands per write
        stream.stored_bytes = max(0, stream.stored_bytes - dropped_characters)

    def _replace(self, stream: Any, kept: list[Any]) -> None:
        """``stream`` keeps ``kept`` (a subsequence of its events)."""
        dropped_characters = sum(len(event.message) for event in stream.events) - sum(len(e.message) for e in kept)
        self.removed_events += len(stream.events) - len(kept)
        stream.events = kept
        stream.stored_bytes = max(0, stream.stored_bytes - dropped_characters)
