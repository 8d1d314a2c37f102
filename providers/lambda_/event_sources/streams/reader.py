"""One shard's reader: its own thread, reading the shard from where its
checkpoint says, dealing the records to the shard's lanes and moving the
checkpoint as they reach their outcome.

- Records no filter matches reach their outcome at once (the checkpoint
  passes them: AWS's streams "skip" them).
- An idle shard is read again when a change notice for the stream arrives
  (the source is this gateway's companion), else after ``IDLE_POLL_SECONDS``
  (AWS polls a shard once a second); notices do not cover every write
  (e.g. one moto makes itself), so a noticed shard is still read every
  ``IDLE_NOTICED_SECONDS``.
- Reading stays at most ``backlog`` records ahead of the outcomes.
- A shard read to its end (closed by a split or merge) is marked done once
  every record of it reached its outcome; its children may start then.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING, Any, Optional

from ..filtering import view_of
from ..poller import Stopped
from .batches import BatchRunner
from .lanes import Lane, lane_of
from .progress import Progress
from .source import AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, IteratorExpired, Position, SourceGone, SourceUnavailable

if TYPE_CHECKING:
    from .checkpoints import Checkpoints
    from .poller import StreamPoller
    from .source import StreamRecord, StreamSource

log = logging.getLogger("lambda.esm")

IDLE_POLL_SECONDS = 1.0
IDLE_NOTICED_SECONDS = 60.0
UNAVAILABLE_FIRST_SECONDS = 1.0
UNAVAILABLE_MAX_SECONDS = 30.0


class ShardReader:
    def __init__(self, poller: "StreamPoller", source: "StreamSource", shard_id: str, start: Position,
                 checkpoints: "Checkpoints", noticed: bool) -> None:
        self.poller = poller
        self.source = source
        self.shard_id = shard_id
        self.start_at = start
        self.checkpoints = checkpoints
        self.settings = poller.settings
        self.idle_seconds = IDLE_NOTICED_SECONDS if noticed else IDLE_POLL_SECONDS
        # Records that arrived before this second are skipped (see Position).
        self.not_before = (math.floor(start.timestamp) if start.kind == TRIM_HORIZON and start.timestamp is not None
                           else None)
        self.wake_event = threading.Event()  # a change notice, or the poller stopping
        self.done = False
        self._lanes: list[Lane] = []
        self.thread = threading.Thread(target=self._run, name=f"esm-shard-{shard_id[-12:]}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def wake(self) -> None:
        self.wake_event.set()
        for lane in self._lanes:
            lane.wake()

    # The reader's thread --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._read()
        except Stopped:
            pass
        except SourceGone as gone:
            self.poller.source_gone(gone)
        except Exception as error:  # noqa: BLE001 - the poller fails (and is restarted), logged there
            self.poller.fail(error)
        finally:
            self._stop_lanes()
            self.poller.reader_ended()

    def _read(self) -> None:
        stopping = self.poller.stopping
        progress = Progress(lambda sequence: self.checkpoints.advance(self.shard_id, sequence), stopping)
        runner = BatchRunner(self.poller, self.source, self.shard_id, self.settings, self._finisher(progress))
        self._lanes = [Lane(index, self.shard_id, self.settings, runner, self._finisher(progress), stopping,
                            self.source.arn, self.poller.fail) for index in range(self.settings.parallelization)]
        for lane in self._lanes:
            lane.start()
        backlog = max(2 * self.settings.parallelization * self.settings.batch_size, 1000)
        last_read: Optional[str] = None
        iterator = self._iterator(self.start_at)
        if iterator is None:  # the shard expired before it was read
            self._end(progress, None)
            return
        delay = UNAVAILABLE_FIRST_SECONDS
        while not stopping.is_set():
            progress.wait_below(backlog)
            self.wake_event.clear()
            try:
                records, next_iterator = self.source.read(self.shard_id, iterator, min(self.source.read_limit, backlog))
            except IteratorExpired:
                position = Position(AFTER_SEQUENCE_NUMBER, sequence=last_read) if last_read else self.start_at
                iterator = self._iterator(position)
                if iterator is None:
                    self._end(progress, last_read)
                    return
                continue
            except SourceUnavailable as error:
                log.warning("mapping %s could not read %s of %s: %s", self.poller.mapping.uuid, self.shard_id,
                            self.source.arn, error)
                if self.poller.sleep(delay):
                    return
                delay = min(delay * 2, UNAVAILABLE_MAX_SECONDS)
                continue
            delay = UNAVAILABLE_FIRST_SECONDS
            if records:
                last_read = records[-1].sequence
                self._deal(records, progress)
            if next_iterator is None:
                self._end(progress, last_read)
                return
            iterator = next_iterator
            if not records:
                self.wake_event.wait(self.idle_seconds)

    def _iterator(self, position: Position) -> Optional[str]:
        delay = UNAVAILABLE_FIRST_SECONDS
        while True:
            try:
                return self.source.iterator(self.shard_id, position)
            except SourceUnavailable as error:
                log.warning("mapping %s could not start reading %s of %s: %s", self.poller.mapping.uuid,
                            self.shard_id, self.source.arn, error)
                if self.poller.sleep(delay):
                    raise Stopped() from None
                delay = min(delay * 2, UNAVAILABLE_MAX_SECONDS)

    def _deal(self, records: list["StreamRecord"], progress: Progress) -> None:
        progress.fetched(record.sequence for record in records)
        filters = self.settings.filters
        kind = self.source.kind
        lanes: dict[int, list["StreamRecord"]] = {}
        skipped = []
        for record in records:
            if self.not_before is not None and record.arrival < self.not_before:
                skipped.append(record.sequence)
            elif filters.matches(view_of(kind, record.event)):
                lanes.setdefault(lane_of(record.key, len(self._lanes)), []).append(record)
            else:
                skipped.append(record.sequence)
        if skipped:
            progress.finished(skipped)
        for index, batch in lanes.items():
            self._lanes[index].put(batch)

    def _end(self, progress: Progress, last_read: Optional[str]) -> None:
        """The shard is read to its end: once every record reached its outcome, it is done."""
        for lane in self._lanes:
            lane.close()
        for lane in self._lanes:
            lane.thread.join()
        if self.poller.stopping.is_set() or progress.outstanding():
            return
        self.checkpoints.finish(self.shard_id, last_read)
        self.done = True

    def _stop_lanes(self) -> None:
        for lane in self._lanes:
            lane.wake()
        for lane in self._lanes:
            if lane.thread.is_alive():
                lane.thread.join()

    @staticmethod
    def _finisher(progress: Progress) -> Any:
        return lambda records: progress.finished(record.sequence for record in records)

