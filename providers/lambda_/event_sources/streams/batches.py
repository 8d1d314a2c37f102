"""One batch of a shard, from its first invocation to its outcome, as AWS's
stream pollers handle errors ("Error handling" of the Kinesis and DynamoDB
guides):

- records older than ``MaximumRecordAgeInSeconds`` are discarded before each
  attempt (``RecordAgeExceeded``);
- a function error is retried, up to ``MaximumRetryAttempts`` (-1: until
  the records expire), with a growing pause; with
  ``BisectBatchOnFunctionError`` the batch is split in two halves first,
  each retried on its own (a split consumes no retry);
- a partial failure (``ReportBatchItemFailures``) checkpoints before the
  lowest failed record and retries from it;
- when the retries are spent, the batch goes to the ``OnFailure``
  destination (``RetryAttemptsExhausted``) and the shard moves on;
- a batch Lambda cannot invoke (the function is missing, not active, the
  service failed) is tried again without limit, consuming no retry; a
  throttled invocation is waited out (``Poller.invoke``); a payload over 6 MB
  is split in two.

``LastProcessingResult`` says how the last invocation went.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from ...backend.errors import LambdaError, PayloadTooLarge
from ...backend.mappings import FUNCTION_CALL_FAILED, OK
from ...backend.values import Caller, InvokeOptions
from ..poller import Stopped
from .failures import RECORD_AGE_EXCEEDED, RETRY_EXHAUSTED, FailureDestination, Response
from .responses import NO_STATE, interpret

if TYPE_CHECKING:
    from ..poller import Poller
    from .settings import StreamSettings
    from .source import StreamRecord, StreamSource
    from .windows import TumblingWindow

log = logging.getLogger("lambda.esm")

RETRY_FIRST_SECONDS = 0.25
RETRY_MAX_SECONDS = 10.0


@dataclass
class _Work:
    records: list["StreamRecord"]
    retries: int = 0
    invocations: int = 0


@dataclass
class Processed:
    """Records that reached their outcome: delivered (``succeeded``) or discarded."""

    succeeded: list["StreamRecord"] = field(default_factory=list)
    discarded: list["StreamRecord"] = field(default_factory=list)


class BatchRunner:
    def __init__(self, poller: "Poller", source: "StreamSource", shard_id: str, settings: "StreamSettings",
                 finished: Callable[[list["StreamRecord"]], None]) -> None:
        self.poller = poller
        self.source = source
        self.shard_id = shard_id
        self.settings = settings
        self.finished = finished  # discarded records are finished at once
        self.destination = FailureDestination(poller, source, settings.on_failure)
        self._caller = Caller(poller.mapping.key.account_id, poller.mapping.key.region)

    # Batches -----------------------------------------------------------------------------------
    def process(self, records: list["StreamRecord"], window: Optional["TumblingWindow"] = None) -> list["StreamRecord"]:
        """Run ``records`` to their outcome; the records delivered (discarded ones
        are passed to ``finished`` as they go). Raises Stopped."""
        delivered: list["StreamRecord"] = []
        work = deque([_Work(list(records))])
        while work:
            self._run(work.popleft(), work, delivered, window)
        return delivered

    def final(self, window: "TumblingWindow", terminated_early: bool = False) -> None:
        """The window's final invocation, tried until it succeeds (AWS: "If the
        invocation fails, your Lambda function suspends further processing until
        a successful invocation"). Raises Stopped."""
        delay = RETRY_FIRST_SECONDS
        while True:
            event = {"Records": [], **window.fields(final=True, terminated_early=terminated_early)}
            outcome = self._invoke(event, str(uuid.uuid4()))
            if outcome is not None and not outcome.function_error:
                self.poller.report(OK)
                return
            if outcome is not None:
                self.poller.report(FUNCTION_CALL_FAILED)
            delay = self._pause(delay)

    def _run(self, item: _Work, work: deque, delivered: list["StreamRecord"],
             window: Optional["TumblingWindow"]) -> None:
        delay = RETRY_FIRST_SECONDS
        while True:
            item.records = self._drop_expired(item.records, window)
            if not item.records:
                return
            request_id = str(uuid.uuid4())
            event = self._event(item.records, window)
            try:
                outcome = self._invoke(event, request_id)
            except PayloadTooLarge:
                if len(item.records) > 1:
                    half = len(item.records) // 2
                    work.extendleft([_Work(item.records[half:], item.retries, item.invocations),
                                     _Work(item.records[:half], item.retries, item.invocations)])
                    return
                self._discard(item, RETRY_EXHAUSTED, None, request_id, event)
                return
            if outcome is None:  # Lambda could not invoke the function: try again, no retry consumed
                delay = self._pause(delay)
                continue
            item.invocations += 1
            verdict = interpret(outcome, item.records, self.settings.report_item_failures, window is not None)
            if window is not None and (verdict.ok or verdict.partial) and verdict.state is not NO_STATE:
                window.state = verdict.state
            if verdict.ok:
                self.poller.report(OK)
                delivered.extend(item.records)
                return
            self.poller.report(FUNCTION_CALL_FAILED)
            if verdict.partial:
                assert verdict.retry_from is not None
                delivered.extend(item.records[:verdict.retry_from])
                item.records = item.records[verdict.retry_from:]
            elif self.settings.bisect and len(item.records) > 1:
                half = len(item.records) // 2
                work.extendleft([_Work(item.records[half:], item.retries, item.invocations),
                                 _Work(item.records[:half], item.retries, item.invocations)])
                return
            if 0 <= self.settings.max_retries <= item.retries:
                response = Response(outcome.result.executed_version if outcome.result else "$LATEST",
                                    verdict.function_error)
                self._discard(item, RETRY_EXHAUSTED, response, request_id, event)
                return
            item.retries += 1
            delay = self._pause(delay, item.records)

    # Steps ---------------------------------------------------------------------------------------
    def _invoke(self, event: dict[str, Any], request_id: str) -> Any:
        """The invocation's outcome, or None when Lambda could not invoke the function. Raises
        Stopped, PayloadTooLarge."""
        try:
            return self.poller.invoke(event, InvokeOptions(request_id=request_id))
        except PayloadTooLarge:
            raise
        except LambdaError as error:  # the function is missing or not active, the service failed
            self.poller.report(FUNCTION_CALL_FAILED)
            log.info("mapping %s could not invoke its function: %s", self.poller.mapping.uuid, error.message)
        return None

    def _event(self, records: list["StreamRecord"], window: Optional["TumblingWindow"]) -> dict[str, Any]:
        role = self._role()
        event: dict[str, Any] = {"Records": [self.source.with_role(record.event, role) for record in records]}
        if window is not None:
            event.update(window.fields())
        return event

    def _role(self) -> str:
        """The function's execution role now (Kinesis records name it: ``invokeIdentityArn``)."""
        try:
            return self.poller.backend.resolve(self.poller.mapping.function_arn, caller=self._caller).config.get("Role", "")
        except LambdaError:
            return ""

    def _drop_expired(self, records: list["StreamRecord"], window: Optional["TumblingWindow"]) -> list["StreamRecord"]:
        if self.settings.max_record_age < 0:
            return records
        oldest = time.time() - self.settings.max_record_age
        expired = [record for record in records if record.arrival < oldest]
        if not expired:
            return records
        item = _Work(expired, invocations=1)
        self._discard(item, RECORD_AGE_EXCEEDED, None, str(uuid.uuid4()), self._event(expired, window))
        return [record for record in records if record.arrival >= oldest]

    def _discard(self, item: _Work, condition: str, response: Optional[Response], request_id: str,
                 event: dict[str, Any]) -> None:
        self.destination.discard(self.shard_id, item.records, condition, max(item.invocations, 1), response,
                                 request_id, event)
        self.finished(item.records)

    def _pause(self, delay: float, records: Optional[list["StreamRecord"]] = None) -> float:
        """Wait before trying again (no longer than until the oldest record expires)."""
        wait = delay
        if records and self.settings.max_record_age >= 0:
            expires_in = min(record.arrival for record in records) + self.settings.max_record_age - time.time()
            wait = min(wait, max(expires_in, 0.0) + 0.01)
        if self.poller.sleep(wait):
            raise Stopped()
        return min(delay * 2, RETRY_MAX_SECONDS)
