"""Gathering one batch from the queue, by AWS's rule.

A batch is read with ReceiveMessage, at most 10 messages a call. Without a
batching window, one receive makes the batch (BatchSize is then at most 10).
With one (``MaximumBatchingWindowInSeconds``, required above 10), receives
continue until the batch is full, the window has passed since the first
message arrived, or the event would pass the 6 MB synchronous payload limit
("Lambda continues to poll messages from the SQS standard queue until the
batch window expires, the invocation payload size quota is reached, or the
configured maximum batch size is reached"). A message that would take the
event past the limit waits, already received, for this worker's next batch.

The first receive of a batch long-polls (``first_wait``): an idle queue costs
one request per 20 seconds. Later receives wait for what is left of the
window, rounded up to whole seconds (the unit SQS takes): a batch that gets
nothing more may be invoked up to a second after its window (AWS: "Lambda
might wait for up to 20 seconds before invoking your function").
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

from .records import Record, payload_size

MAX_PER_RECEIVE = 10  # ReceiveMessage's MaxNumberOfMessages
MAX_PAYLOAD = 6 * 1024 * 1024  # a synchronous invocation's payload limit
LONG_POLL_SECONDS = 20  # SQS's longest WaitTimeSeconds

Receive = Callable[[int, int], list[Record]]  # (count, wait seconds) -> records, in order


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    more_waiting: bool = False  # a receive came back full: the queue holds more

    @property
    def size(self) -> int:
        return payload_size(sum(len(r.encoded) for r in self.records), len(self.records))


class Gatherer:
    """One worker's batches (it keeps the messages that did not fit the last one)."""

    def __init__(self, receive: Receive, batch_size: int, window_seconds: int,
                 max_payload: int = MAX_PAYLOAD) -> None:
        self._receive = receive
        self._batch_size = batch_size
        self._window = window_seconds
        self._max_payload = max_payload
        self._carried: list[Record] = []

    @property
    def carried(self) -> list[Record]:
        """Received messages waiting for the next batch."""
        return self._carried

    def gather(self, first_wait: int, stopping: Callable[[], bool]) -> Batch:
        batch = Batch()
        size = payload_size(0, 0)
        carried, self._carried = self._carried, []
        window_ends = time.monotonic() + self._window if carried else None
        for record in carried:
            size = self._add(batch, record, size)
        while len(batch.records) < self._batch_size and not self._carried and not stopping():
            wanted = min(MAX_PER_RECEIVE, self._batch_size - len(batch.records))
            if window_ends is None:
                wait = first_wait
            else:
                left = window_ends - time.monotonic()
                if left <= 0:
                    break
                wait = min(LONG_POLL_SECONDS, math.ceil(left))
            received = self._receive(wanted, wait)
            batch.more_waiting = len(received) == wanted
            for record in received:
                size = self._add(batch, record, size)
            if not batch.records:
                break  # nothing came: the caller decides whether to poll again
            if window_ends is None:
                if self._window <= 0:
                    break
                window_ends = time.monotonic() + self._window
        return batch

    def _add(self, batch: Batch, record: Record, size: int) -> int:
        added = len(record.encoded) + (1 if batch.records else 0)
        if batch.records and (size + added > self._max_payload or len(batch.records) >= self._batch_size):
            self._carried.append(record)
            return size
        batch.records.append(record)
        return size + added
