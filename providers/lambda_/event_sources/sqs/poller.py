"""The SQS poller: a mapping's workers reading its queue and invoking its function.

Each worker gathers a batch (``batches.py``), drops the messages no filter
matches (deleting them: never delivered, retried or dead-lettered), invokes
the function with the rest, then deletes what succeeded (``responses.py``);
what failed stays in the queue and comes back after its visibility timeout,
so the queue's redrive policy moves it to the dead-letter queue after
``maxReceiveCount`` receives. Nothing else is ever deleted: a throttled
function is waited for (``Poller.invoke``), a function that cannot be invoked
leaves the batch to its visibility timeout.

Scaling: one worker long-polls while the queue is idle; while receives come
back full another joins, up to ``SqsSettings.max_pollers`` (at most
``ScalingConfig.MaximumConcurrency``: each worker invokes one batch at a
time, so that caps the mapping's concurrent invocations). A worker beyond the
first ends when a receive finds nothing. FIFO queues need nothing more: SQS
gives no message of a group while one of it is in flight, so each group has
one batch in flight at a time, in order.

Stopping: ``run`` returns as soon as the poller is stopped. A worker inside a
long poll (up to 20 s) finishes it on its own thread and hands what it got
back to the queue (visibility 0) without invoking; one inside an invocation
finishes it and deletes what succeeded. Only SQS's competing-consumer
semantics make that safe: a new poller of the same mapping may already be
reading the queue.

A queue that disappears leaves the mapping as AWS leaves an SQS mapping:
``Enabled``, no ``LastProcessingResult`` (SQS mappings report none). The
poller logs it once and looks again, ever less often (up to every
``QUEUE_GONE_MAX_SECONDS``), and resumes when a queue of that name exists again.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Optional, Sequence

from ...backend.errors import LambdaError, PayloadTooLarge
from ..filtering import view_of_sqs_record
from ..poller import Poller, Stopped
from .batches import LONG_POLL_SECONDS, Gatherer
from .queue import QueueGone, SourceUnavailable, SqsQueue
from .records import Record, event_payload
from .responses import failed_ids
from .settings import SqsSettings

if TYPE_CHECKING:
    from ...backend.service import LambdaBackend
    from ...backend.values import EventSourceMapping
    from ..clients import SourceClients

log = logging.getLogger("lambda.esm.sqs")

EXTRA_WORKER_WAIT_SECONDS = 1  # a worker beyond the first waits this long for messages, then ends
RETRY_FIRST_SECONDS = 1.0
QUEUE_GONE_MAX_SECONDS = 10.0
FAILURE_MAX_SECONDS = 30.0
CLIENT_POOL = 256  # connections per account and region, shared by every SQS mapping's workers


class SqsPoller(Poller):
    def __init__(self, backend: "LambdaBackend", mapping: "EventSourceMapping", clients: "SourceClients") -> None:
        super().__init__(backend, mapping, clients)
        self.settings = SqsSettings.of(mapping)
        self.queue = SqsQueue(clients.client("sqs", parameter_validation=False, max_pool_connections=CLIENT_POOL),
                              self.settings)
        self._lock = threading.Lock()
        self._workers = 0
        self._attention = threading.Event()  # set on stop, or when a worker died
        self._failure: Optional[BaseException] = None
        self._queue_missing = False
        self._missing_wait = RETRY_FIRST_SECONDS
        self._invoke_problem: Optional[str] = None

    # Poller --------------------------------------------------------------------------------------
    def run(self) -> None:
        self._add_worker(first=True)
        self._attention.wait()
        failure = self._failure
        if failure is not None and not self.stopping.is_set():
            self.stopping.set()  # the other workers end too; the manager makes a new poller
            raise failure

    def stop(self) -> None:
        super().stop()
        self._attention.set()

    # Workers -------------------------------------------------------------------------------------
    def _add_worker(self, first: bool = False) -> None:
        with self._lock:
            if self.stopping.is_set() or (not first and self._workers >= self.settings.max_pollers):
                return
            self._workers += 1
            number = self._workers
        name = f"esm-sqs-{self.mapping.uuid[:8]}-{number}"
        threading.Thread(target=self._work, args=(first,), name=name, daemon=True).start()

    def _work(self, first: bool) -> None:
        gatherer = Gatherer(self.queue.receive, self.settings.batch_size, self.settings.window_seconds)
        failure_wait = RETRY_FIRST_SECONDS
        try:
            while not self.stopping.is_set():
                try:
                    batch = gatherer.gather(LONG_POLL_SECONDS if first else EXTRA_WORKER_WAIT_SECONDS,
                                            self.stopping.is_set)
                except QueueGone:
                    if not first or self.stopping.is_set():  # (a reset deletes every queue)
                        return
                    self._queue_gone()
                    continue
                except SourceUnavailable as error:
                    log.warning("event source mapping %s: reading %s failed (%s); trying again in %.0f s",
                                self.mapping.uuid, self.settings.queue_arn, error, failure_wait)
                    self.sleep(failure_wait)
                    failure_wait = min(failure_wait * 2, FAILURE_MAX_SECONDS)
                    continue
                failure_wait = RETRY_FIRST_SECONDS
                self._queue_found()
                if self.stopping.is_set():
                    self.queue.hand_back(batch.records)
                    return
                if not batch.records:
                    if first:
                        continue
                    return
                if batch.more_waiting or gatherer.carried:
                    self._add_worker()
                self._process(batch.records)
        except BaseException as error:  # noqa: BLE001 - the poller dies with it, and is made again
            self._failure = self._failure or error
            self._attention.set()
        finally:
            if gatherer.carried:
                self.queue.hand_back(gatherer.carried)
            with self._lock:
                self._workers -= 1

    # One batch -----------------------------------------------------------------------------------
    def _process(self, records: list[Record]) -> None:
        filters = self.settings.filters
        kept: list[Record] = []
        unmatched: list[Record] = []
        for record in records:
            (kept if filters.matches(view_of_sqs_record(record.record)) else unmatched).append(record)
        if unmatched:
            self.queue.delete(unmatched)
        if kept:
            self._deliver(kept)

    def _deliver(self, records: Sequence[Record]) -> None:
        try:
            outcome = self.invoke(event_payload(list(records)))
        except Stopped:
            self.queue.hand_back(records)
            return
        except PayloadTooLarge:
            if len(records) > 1:
                half = len(records) // 2
                self._deliver(records[:half])
                self._deliver(records[half:])
            else:
                log.warning("event source mapping %s: message %s is too large to invoke with; left to the queue",
                            self.mapping.uuid, records[0].message_id)
            return
        except LambdaError as error:
            if error.message != self._invoke_problem:  # said once, until an invocation succeeds
                self._invoke_problem = error.message
                log.warning("event source mapping %s: invoking %s failed (%s); its messages return after their "
                            "visibility timeout", self.mapping.uuid, self.mapping.function_arn, error.message)
            self.sleep(RETRY_FIRST_SECONDS)
            return
        self._invoke_problem = None
        failed = failed_ids(outcome.function_error, outcome.payload, records, self.settings.report_item_failures,
                            self.settings.fifo)
        succeeded = [record for record in records if record.message_id not in failed]
        if succeeded:
            self.queue.delete(succeeded)

    # A queue that is not there ---------------------------------------------------------------------
    def _queue_gone(self) -> None:
        if not self._queue_missing:
            self._queue_missing = True
            log.warning("event source mapping %s: queue %s does not exist; the mapping stays enabled and polls "
                        "again until it does", self.mapping.uuid, self.settings.queue_arn)
        self.sleep(self._missing_wait)
        self._missing_wait = min(self._missing_wait * 2, QUEUE_GONE_MAX_SECONDS)

    def _queue_found(self) -> None:
        if self._queue_missing:
            self._queue_missing = False
            self._missing_wait = RETRY_FIRST_SECONDS
            log.info("event source mapping %s: queue %s exists again; polling resumes", self.mapping.uuid,
                     self.settings.queue_arn)

