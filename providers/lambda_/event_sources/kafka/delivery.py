"""Bringing one batch of Kafka records to its outcome: delivered, or handed to
the OnFailure destination, never dropped.

- The event is at most 6 MB (Lambda's synchronous payload limit): a larger
  batch is split, in order; a single record that cannot fit goes to the
  destination as ``MaximumPayloadSizeExceeded`` (AWS: "If your Lambda event
  records exceed the allowed size limit of 6 MB, they can go unprocessed").
- A function error (or an invoke that fails) retries the batch, with back-off,
  ``MaximumRetryAttempts`` times (-1, the default: until it succeeds; AWS
  applies 10 when an OnFailure destination is configured with infinite
  retries, kafka-retry-configurations.html), then sends it to the destination.
  ``BisectBatchOnFunctionError`` splits a failed batch in two (not counted as a
  retry); ``MaximumRecordAgeInSeconds`` sends records older than that to the
  destination without invoking.
- ``FunctionResponseTypes: [ReportBatchItemFailures]``: the function answers
  ``{"batchItemFailures": [{"itemIdentifier": {"partition": "<topic>-<n>",
  "offset": 100}}]}``; each partition named resumes at that offset (the records
  before it are done), the others are done. An empty or null answer is a
  success; an answer that is not JSON, or names a partition or offset that was
  not in the event, fails the whole batch.
- Throttling never counts: ``Poller.invoke`` waits it out.

The caller commits offsets through ``done(records)`` each time records reached
their outcome, in order per partition: a restart replays, never skips.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Optional, Sequence

from ...backend.errors import LambdaError
from ...backend.mappings import FUNCTION_CALL_FAILED, OK
from ..poller import Stopped
from . import failures
from .records import Fetched, estimated_size

log = logging.getLogger("lambda.esm.kafka")

MAX_PAYLOAD = 6 * 1024 * 1024
RETRY_FIRST_SECONDS = 0.05
RETRY_MAX_SECONDS = 0.5
RETRIES_WITH_DESTINATION = 10  # AWS's cap on infinite retries when an OnFailure destination is set


def retry_limit(config: dict[str, Any]) -> int:
    """How many retries a failing batch gets (-1: until it succeeds)."""
    limit = config.get("MaximumRetryAttempts")
    limit = -1 if limit is None else int(limit)
    if limit < 0 and destination_of(config):
        return RETRIES_WITH_DESTINATION
    return limit


def destination_of(config: dict[str, Any]) -> Optional[str]:
    return ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination") or None


class Outcome:
    """What an invoke of a batch came to: success, the records to retry, and the answer."""

    def __init__(self, retry: Sequence[Fetched], done: Sequence[Fetched], invoke: Any = None) -> None:
        self.retry, self.done, self.invoke = list(retry), list(done), invoke


class BatchDelivery:
    def __init__(self, poller: Any, build_event: Callable[[Sequence[Fetched]], dict[str, Any]],
                 done: Callable[[Sequence[Fetched]], None], send_failure: Callable[[failures.FailedBatch], None]) -> None:
        config = poller.mapping.config
        self.poller = poller
        self.build_event = build_event
        self.done = done
        self.send_failure = send_failure
        self.destination = destination_of(config)
        self.max_retries = retry_limit(config)
        self.bisect = bool(config.get("BisectBatchOnFunctionError"))
        self.max_age = int(config.get("MaximumRecordAgeInSeconds") or -1)
        self.partial = "ReportBatchItemFailures" in (config.get("FunctionResponseTypes") or [])

    # Entry -------------------------------------------------------------------------------------
    def deliver(self, batch: Sequence[Fetched]) -> None:
        """Returns once every record reached its outcome; Stopped when the poller stops first."""
        batch = self._drop_expired(batch)
        for chunk in self._fitting(batch):
            self._deliver(chunk)

    # Steps --------------------------------------------------------------------------------------
    def _drop_expired(self, batch: Sequence[Fetched]) -> list[Fetched]:
        if self.max_age < 0:
            return list(batch)
        oldest = (time.time() - self.max_age) * 1000
        expired = [item for item in batch if 0 <= item.timestamp_ms < oldest]
        if expired:  # committed with the whole batch (a later record of their partition may still be pending)
            self._give_up(failures.FailedBatch(failures.RECORD_AGE_EXCEEDED, expired, self._payload(expired), 0),
                          commit=False)
        return [item for item in batch if not (0 <= item.timestamp_ms < oldest)]

    def _fitting(self, batch: Sequence[Fetched]) -> list[list[Fetched]]:
        """The batch in order, cut where the event would pass the payload limit."""
        chunks: list[list[Fetched]] = []
        current: list[Fetched] = []
        for item in batch:
            if current and estimated_size(current + [item]) > MAX_PAYLOAD:
                chunks.append(current)
                current = []
            current.append(item)
        if current:
            chunks.append(current)
        return chunks

    def _deliver(self, batch: list[Fetched]) -> None:
        attempts = 0
        pending = batch
        while pending:
            payload = self._payload(pending)
            if len(payload) > MAX_PAYLOAD:
                if len(pending) > 1:
                    half = len(pending) // 2
                    self._deliver(pending[:half])
                    self._deliver(pending[half:])
                else:
                    self._give_up(failures.FailedBatch(failures.PAYLOAD_TOO_LARGE, pending, payload, attempts))
                return
            attempts += 1
            outcome = self._invoke(pending, payload)
            if outcome.done:
                self.done(outcome.done)
            if not outcome.retry:
                self.poller.report(OK)
                return
            self.poller.report(FUNCTION_CALL_FAILED)
            if self.bisect and len(outcome.retry) > 1:
                half = len(outcome.retry) // 2
                self._deliver(outcome.retry[:half])
                self._deliver(outcome.retry[half:])
                return
            if 0 <= self.max_retries < attempts:
                self._give_up(self._failed(outcome, attempts))
                return
            if self.poller.sleep(min(RETRY_FIRST_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)):
                raise Stopped()
            pending = outcome.retry

    def _invoke(self, batch: list[Fetched], payload: bytes) -> Outcome:
        try:
            result = self.poller.invoke(payload)
        except LambdaError as error:  # function deleted or not active, an internal failure: retried
            log.warning("mapping %s: invoke failed: %s", self.poller.mapping.uuid, error.message)
            return Outcome(batch, [])
        if result.function_error:
            return Outcome(batch, [], result)
        if not self.partial:
            return Outcome([], batch, result)
        retry = partial_failures(result.payload, batch)
        if retry is None:
            return Outcome(batch, [], result)
        retried = {id(item) for item in retry}
        return Outcome(retry, [item for item in batch if id(item) not in retried], result)

    def _failed(self, outcome: Outcome, attempts: int) -> failures.FailedBatch:
        result = outcome.invoke.result if outcome.invoke is not None else None
        return failures.FailedBatch(
            failures.RETRIES_EXHAUSTED, outcome.retry, self._payload(outcome.retry), attempts,
            request_id=result.request_id if result is not None else None,
            status_code=outcome.invoke.status_code if outcome.invoke is not None else None,
            executed_version=result.executed_version if result is not None else None,
            function_error=result.function_error if result is not None else None,
        )

    def _give_up(self, batch: failures.FailedBatch, commit: bool = True) -> None:
        """To the destination (retried until it accepts), or, without one, logged; then committed."""
        if self.destination:
            delay = RETRY_FIRST_SECONDS
            while True:
                try:
                    self.send_failure(batch)
                    break
                except Exception as error:  # noqa: BLE001 - a destination that refuses is retried, never skipped
                    log.warning("mapping %s: OnFailure destination %s refused the failed batch: %s",
                                self.poller.mapping.uuid, self.destination, error)
                    if self.poller.sleep(delay):
                        raise Stopped() from None
                    delay = min(delay * 2, RETRY_MAX_SECONDS)
        else:
            log.error("mapping %s: %d record(s) discarded (%s) and no OnFailure destination is configured",
                      self.poller.mapping.uuid, len(batch.records), batch.condition)
        if commit:
            self.done(batch.records)

    def _payload(self, batch: Sequence[Fetched]) -> bytes:
        return json.dumps(self.build_event(batch), separators=(",", ":")).encode()


def partial_failures(payload: bytes, batch: Sequence[Fetched]) -> Optional[list[Fetched]]:
    """The records to retry after a ReportBatchItemFailures answer; None: the whole batch failed."""
    text = payload.decode("utf-8", "replace").strip()
    if not text:
        return []
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if answer is None:
        return []
    if not isinstance(answer, dict):
        return None
    failed = answer.get("batchItemFailures")
    if failed is None:
        return []
    if not isinstance(failed, list):
        return None
    offsets = {(item.key, item.offset) for item in batch}
    resume: dict[str, int] = {}
    for entry in failed:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, dict):
            return None
        partition, offset = identifier.get("partition"), identifier.get("offset")
        if isinstance(offset, bool) or not isinstance(offset, int) or (partition, offset) not in offsets:
            return None
        resume[partition] = min(offset, resume.get(partition, offset))
    return [item for item in batch if item.key in resume and item.offset >= resume[item.key]]
