"""Which records of a shard reached their outcome, and so where its checkpoint is.

Records are fetched in shard order and finish in any order (several batches
run at once with ``ParallelizationFactor``; a filtered record finishes at
once). The checkpoint may only pass a record once it and every record before
it finished: it is the last record of the unbroken finished run from the
oldest fetched one. Advances are saved in order, under the lock.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Callable, Iterable

WAIT_SLICE = 0.5  # blocked waits look at the stop flag this often


class Progress:
    def __init__(self, save: Callable[[str], None], stopping: threading.Event) -> None:
        self._save = save
        self._stopping = stopping
        self._changed = threading.Condition()
        self._order: deque[str] = deque()  # fetched, not yet behind the checkpoint
        self._finished: set[str] = set()

    def fetched(self, sequences: Iterable[str]) -> None:
        with self._changed:
            self._order.extend(sequences)

    def finished(self, sequences: Iterable[str]) -> None:
        with self._changed:
            self._finished.update(sequences)
            last = None
            while self._order and self._order[0] in self._finished:
                last = self._order.popleft()
                self._finished.discard(last)
            if last is not None:
                self._save(last)
            self._changed.notify_all()

    def outstanding(self) -> int:
        with self._changed:
            return len(self._order)

    def wait_below(self, limit: int) -> None:
        """Until fewer than ``limit`` fetched records await their outcome (or the poller stops)."""
        with self._changed:
            while len(self._order) >= limit and not self._stopping.is_set():
                self._changed.wait(WAIT_SLICE)
