"""Lanes: the batches of one shard that may run at once (``ParallelizationFactor``).

A shard's records are dealt to ``ParallelizationFactor`` lanes by key (the
Kinesis partition key, the DynamoDB item's keys), so records with the same
key stay in one lane, in order; each lane runs one batch at a time on its
own thread. A lane gathers a batch until it holds ``BatchSize`` records (or
6 MB of payload), or ``MaximumBatchingWindowInSeconds`` has passed since its
oldest waiting record arrived, or the shard ended; with tumbling windows a
batch holds records of one window, and a lane makes the window's final
invocation once the window is over.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque
from typing import TYPE_CHECKING, Callable, Optional, Union

from ..poller import Stopped
from .windows import TumblingWindow

if TYPE_CHECKING:
    from .batches import BatchRunner
    from .settings import StreamSettings
    from .source import StreamRecord

log = logging.getLogger("lambda.esm")

MAX_BATCH_BYTES = 6 * 1024 * 1024 - 64 * 1024  # the synchronous invoke limit, less the event's envelope
IDLE_WAIT = 5.0  # an idle lane looks at the stop flag this often (stop also wakes it)
_FINAL = "final"


def lane_of(key: str, lanes: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % lanes if lanes > 1 else 0


class Lane:
    def __init__(self, index: int, shard_id: str, settings: "StreamSettings", runner: "BatchRunner",
                 finished: Callable[[list["StreamRecord"]], None], stopping: threading.Event,
                 source_arn: str, failed: Callable[[BaseException], None]) -> None:
        self.settings = settings
        self.runner = runner
        self.finished = finished
        self.stopping = stopping
        self.window = TumblingWindow(settings.tumbling_window, shard_id, source_arn) if settings.tumbling_window else None
        self.failed = failed  # an unexpected error: the poller fails (and is made again)
        self._changed = threading.Condition()
        self._queue: deque["StreamRecord"] = deque()
        self._oldest_at = 0.0  # monotonic time the oldest waiting record was queued
        self._closed = False
        self.thread = threading.Thread(target=self._run, name=f"esm-lane-{shard_id[-12:]}-{index}", daemon=True)

    # From the shard's reader -------------------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def put(self, records: list["StreamRecord"]) -> None:
        with self._changed:
            if not self._queue:
                self._oldest_at = time.monotonic()
            self._queue.extend(records)
            self._changed.notify()

    def close(self) -> None:
        """No more records will come (the shard ended): finish what is queued, close the window, end."""
        with self._changed:
            self._closed = True
            self._changed.notify()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # The lane's thread ---------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                batch = self._take()
                if batch is None:
                    break
                if batch == _FINAL:
                    self._final()
                else:
                    self._process(batch)  # type: ignore[arg-type]
            if self.window is not None and self.window.start is not None and not self.stopping.is_set():
                self._final()
        except Stopped:
            pass
        except Exception as error:  # noqa: BLE001 - the poller fails, is logged and made again
            self.failed(error)

    def _take(self) -> Union[None, str, list["StreamRecord"]]:
        settings = self.settings
        with self._changed:
            while not self.stopping.is_set():
                timeout: Optional[float] = IDLE_WAIT
                if self._queue:
                    waited = time.monotonic() - self._oldest_at
                    if self._closed or waited >= settings.batching_window or self._full() or self._window_over():
                        return self._cut()
                    timeout = settings.batching_window - waited
                elif self._window_over():
                    return _FINAL
                elif self._closed:
                    return None
                if self.window is not None and self.window.end is not None:
                    timeout = min(timeout or IDLE_WAIT, max(0.0, self.window.end - time.time()) + 0.001)
                self._changed.wait(timeout)
        return None

    def _full(self) -> bool:
        if len(self._queue) >= self.settings.batch_size:
            return True
        total = 0
        for record in self._queue:
            total += record.size + 1
            if total > MAX_BATCH_BYTES:
                return True
        return False

    def _window_over(self) -> bool:
        window = self.window
        return window is not None and window.end is not None and time.time() >= window.end

    def _cut(self) -> list["StreamRecord"]:
        """The next batch off the queue (under the lock)."""
        batch: list["StreamRecord"] = []
        size = 0
        window_start = self.window.start_of(self._queue[0]) if self.window is not None else None
        while self._queue and len(batch) < self.settings.batch_size:
            record = self._queue[0]
            if batch and size + record.size + 1 > MAX_BATCH_BYTES:
                break
            if self.window is not None and self.window.start_of(record) != window_start:
                break
            batch.append(self._queue.popleft())
            size += record.size + 1
        return batch

    def _process(self, batch: list["StreamRecord"]) -> None:
        window = self.window
        if window is None:
            self.finished(self.runner.process(batch))
            return
        start = window.start_of(batch[0])
        if window.start is not None and window.start != start:
            self._final()
        if window.start is None:
            window.open(start)
        window.held.extend(self.runner.process(batch, window))
        if window.state_too_large():
            self.runner.final(window, terminated_early=True)
            self.finished(window.close())
            window.open(start)

    def _final(self) -> None:
        assert self.window is not None
        self.runner.final(self.window)
        self.finished(self.window.close())
