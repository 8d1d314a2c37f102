"""``StreamPoller``: the shared core of the Kinesis and DynamoDB Streams pollers.

``run`` lists the stream's shards and keeps one reader (a thread,
``reader.py``) per shard being read; a child shard of a split or merge starts
once its parents are done, as AWS's pollers do. It lists them again every
``DISCOVERY_SECONDS``, when a reader finished its shard, and when the source
says its shards changed (a change notice).

A stream that no longer exists disables the mapping, as Lambda's own doing
(``State`` ``Disabled``, ``StateTransitionReason`` "Lambda initiated",
``LastProcessingResult`` "PROBLEM: Stream not found"): the gateway keeps
serving, nothing polls the missing stream, and the user re-enables the
mapping once the stream is back.

An unexpected error in any of the poller's threads fails the poller: its
threads stop, ``run`` raises it, and the manager logs it and makes the poller
again (from the checkpoint: records are replayed, never skipped).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from ...backend.mappings import LAMBDA_INITIATED, problem
from ..poller import Poller
from .checkpoints import Checkpoints
from .reader import ShardReader
from .settings import StreamSettings
from .source import TRIM_HORIZON, Position, SourceGone, SourceUnavailable, StreamSource

if TYPE_CHECKING:
    from gateway.notices import ChangeNotices

    from .source import Shard

log = logging.getLogger("lambda.esm")

DISCOVERY_SECONDS = 10.0
DISCOVERY_NOTICED_SECONDS = 120.0
UNAVAILABLE_FIRST_SECONDS = 1.0
UNAVAILABLE_MAX_SECONDS = 30.0
STREAM_NOT_FOUND = "Stream not found"


class StreamPoller(Poller):
    """Subclasses name their source: ``source_type = KinesisSource``."""

    source_type: type[StreamSource]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.settings: StreamSettings
        self._readers: dict[str, ShardReader] = {}
        self._lock = threading.Lock()
        self._discover = threading.Event()
        self._failure: Optional[BaseException] = None
        self._gone: Optional[SourceGone] = None

    def stop(self) -> None:
        super().stop()
        self._discover.set()
        with self._lock:
            readers = list(self._readers.values())
        for reader in readers:
            reader.wake()

    # Told by the readers ---------------------------------------------------------------------------
    def reader_ended(self) -> None:
        self._discover.set()

    def source_gone(self, gone: SourceGone) -> None:
        with self._lock:
            self._gone = self._gone or gone
        self._discover.set()

    def fail(self, error: BaseException) -> None:
        with self._lock:
            self._failure = self._failure or error
        self._discover.set()

    # The poller's thread -------------------------------------------------------------------------------
    def run(self) -> None:
        source = self.source_type(self.mapping, self.clients)
        self.settings = StreamSettings.of(self.mapping, source.kind)
        notices = self.clients.notices(source.service)
        records_key, shards_key = source.notice_keys()
        checkpoints = Checkpoints(self.checkpoint(), self.save_checkpoint)
        if notices is not None:
            notices.subscribe(shards_key, self._discover)
        try:
            self._discover_shards(source, checkpoints, notices, records_key)
        finally:
            if self._failure is not None or self._gone is not None:
                super().stop()  # the readers end (a stop from outside did the same)
            self._end_readers(notices, records_key)
            if notices is not None:
                notices.unsubscribe(shards_key, self._discover)
        if self._gone is not None and not self._failure:
            self._disable(source)
        if self._failure is not None:
            raise self._failure

    def _discover_shards(self, source: StreamSource, checkpoints: Checkpoints, notices: Optional["ChangeNotices"],
                         records_key: Any) -> None:
        period = DISCOVERY_NOTICED_SECONDS if notices is not None else DISCOVERY_SECONDS
        delay = UNAVAILABLE_FIRST_SECONDS
        while not self.stopping.is_set() and self._failure is None and self._gone is None:
            self._discover.clear()
            try:
                shards = source.shards()
            except SourceGone as gone:
                self._gone = gone
                return
            except SourceUnavailable as error:
                log.warning("mapping %s could not list the shards of %s: %s", self.mapping.uuid, source.arn, error)
                if self.sleep(delay):
                    return
                delay = min(delay * 2, UNAVAILABLE_MAX_SECONDS)
                continue
            delay = UNAVAILABLE_FIRST_SECONDS
            if not checkpoints:  # a new mapping: where each shard it finds starts
                initial = source.initial_position(time.time())
                checkpoints.begin({shard.shard_id: initial for shard in shards})
            self._forget_ended(notices, records_key)
            for shard in self._ready(shards, checkpoints):
                entry = checkpoints.get(shard.shard_id)
                start = entry.resume_at() if entry is not None else Position(TRIM_HORIZON)
                reader = ShardReader(self, source, shard.shard_id, start, checkpoints, notices is not None)
                with self._lock:
                    self._readers[shard.shard_id] = reader
                if notices is not None:
                    notices.subscribe(records_key, reader.wake_event)
                reader.start()
            self._discover.wait(period)

    def _ready(self, shards: list["Shard"], checkpoints: Checkpoints) -> list["Shard"]:
        """Shards to start reading now: not done, not being read, their parents done
        (a parent no longer listed has expired: it counts as done)."""
        listed = {shard.shard_id for shard in shards}

        def done(shard_id: str) -> bool:
            entry = checkpoints.get(shard_id)
            return entry is not None and entry.done

        with self._lock:
            reading = set(self._readers)
        return [shard for shard in shards
                if shard.shard_id not in reading and not done(shard.shard_id)
                and all(done(parent) or parent not in listed for parent in shard.parents)]

    def _forget_ended(self, notices: Optional["ChangeNotices"], records_key: Any) -> None:
        with self._lock:
            ended = [shard_id for shard_id, reader in self._readers.items() if not reader.thread.is_alive()]
            readers = [self._readers.pop(shard_id) for shard_id in ended]
        if notices is not None:
            for reader in readers:
                notices.unsubscribe(records_key, reader.wake_event)

    def _end_readers(self, notices: Optional["ChangeNotices"], records_key: Any) -> None:
        with self._lock:
            readers = list(self._readers.values())
            self._readers.clear()
        for reader in readers:
            reader.wake()
        for reader in readers:
            reader.thread.join()
            if notices is not None:
                notices.unsubscribe(records_key, reader.wake_event)

    def _disable(self, source: StreamSource) -> None:
        log.warning("event source mapping %s disabled: %s no longer exists (%s)", self.mapping.uuid, source.arn,
                    self._gone)
        self.backend.update_mapping_status(self.mapping.key, state="Disabled",
                                           state_transition_reason=LAMBDA_INITIATED,
                                           last_processing_result=problem(STREAM_NOT_FOUND))
