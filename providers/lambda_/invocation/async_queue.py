"""Asynchronous invocation: the internal event queue AWS keeps per function.

Events are invoked by a small worker pool. A function error is retried up to
``MaximumRetryAttempts`` (default 2), the first retry after the base delay
(``LAMBDA_ASYNC_RETRY_BASE_MS``, AWS's one minute), the second after twice it.
Throttles (the function's reserved concurrency or the account's limit in use)
and environment failures are not attempts: the event waits, 1 s doubling to 5
minutes as AWS documents, or until the function frees a concurrency slot
(``wake``), for as long as ``MaximumEventAgeInSeconds`` (default 6 hours) allows.
A function whose reserved concurrency is 0 can never run: its events fail at
once with condition ``ZeroReservedConcurrency``, as on AWS. An event is
delivered or dead-lettered, never silently dropped: the outcome goes to the
``OnSuccess``/``OnFailure`` destination (SQS, SNS, Lambda, EventBridge) with
AWS's record format, and failures also to the function's ``DeadLetterConfig``.

With ``PERSISTENCE=1`` every accepted event is in the ``EventJournal`` before
``enqueue`` returns (so before the 202), its retry state is updated there, and
it leaves the journal once it reached its final outcome; ``resume`` re-queues
what a previous run left unfinished.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from gateway.errors import ServiceError

from .event_journal import EventJournal, JournalRecord
from .models import Invocation, InvocationResult

log = logging.getLogger("lambda.async")

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
# Throttled events: AWS "increases the retry interval exponentially from 1 second
# after the first attempt to a maximum of 5 minutes" (invocation-async-error-handling).
THROTTLE_FIRST_DELAY = 1.0
THROTTLE_MAX_DELAY = 300.0
# What a dead-letter message says of an event that never ran because it was throttled.
THROTTLED_DLQ_ERROR = ("429", "Rate Exceeded.")


class EventDiscarded(Exception):
    """The event can never run (its function is gone): dropped, as AWS drops it."""


class ZeroReservedConcurrency(Exception):
    """The function's reserved concurrency is 0: its events go to the failure
    destination at once (condition ``ZeroReservedConcurrency``)."""


@dataclass
class AsyncEvent:
    target: Any  # InvokeTarget
    payload: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received: float = field(default_factory=time.time)
    attempts: int = 0  # invocations that ran (function errors count)
    saved_attempts: int = 0  # ``attempts`` as the journal last made durable
    throttles: int = 0  # times it could not run (throttled, not runnable): the backoff grows
    last_result: Optional[InvocationResult] = None  # AWS's EventAgeExceeded record carries the last response
    generation: int = 0  # its current entry in the queue's heap (older entries are stale)


def iso_now() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class AsyncQueue:
    def __init__(
        self,
        invoke: Callable[[Any, Invocation], InvocationResult],
        invoke_config: Callable[[Any], dict],
        deliver: Callable[[Any, str, dict], None],
        dead_letter: Callable[[Any, str, bytes, str, Optional[InvocationResult], Optional[tuple[str, str]]], None],
        workers: int = 4,
        retry_base_seconds: float = 1.0,
        journal: Optional[EventJournal] = None,
    ) -> None:
        self._journal = journal
        self._invoke = invoke
        self._invoke_config = invoke_config
        self._deliver = deliver  # (target, destination arn, record)
        self._dead_letter = dead_letter  # (target, dlq arn, original payload, request id, result, (code, message))
        self._retry_base = retry_base_seconds
        self._heap: list[tuple[float, int, int, AsyncEvent]] = []
        self._counter = itertools.count()
        # Throttled events per function key, oldest first: a freed slot wakes the first.
        self._throttled: dict[tuple, dict[str, AsyncEvent]] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._threads = [threading.Thread(target=self._work, name=f"lambda-async-{i}", daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def enqueue(self, target: Any, payload: bytes, delay: float = 0.0, event: Optional[AsyncEvent] = None,
                request_id: Optional[str] = None) -> AsyncEvent:
        """Queue a new event (durable before this returns, with a journal), or
        requeue ``event`` for another attempt in ``delay`` seconds."""
        if event is None:
            event = AsyncEvent(target, payload, request_id=request_id) if request_id else AsyncEvent(target, payload)
            if self._journal:
                self._journal.put(_journal_record(event, 0.0))
        elif self._journal:
            # A retry after an attempt waits for the disk (a restart must not grant extra
            # retries); a throttle's new backoff need not (it rides the next fsync).
            durable = event.attempts != event.saved_attempts
            try:
                self._journal.update(_journal_record(event, time.time() + delay), durable)
                event.saved_attempts = event.attempts
            except OSError:  # the event goes on in memory; after a restart it resumes from its last saved state
                log.exception("could not save the retry state of async event %s", event.request_id)
        self._push(event, delay)
        return event

    def resume(self, record: JournalRecord, target: Any) -> None:
        """Re-queue an event a previous run accepted (already in the journal)."""
        event = AsyncEvent(target, record.payload, request_id=record.request_id, received=record.received,
                           attempts=record.attempts, saved_attempts=record.attempts, throttles=record.throttles,
                           last_result=_result_from_json(record.request_id, record.last_result))
        self._push(event, max(0.0, record.due - time.time()))

    def discard(self, request_id: str) -> None:
        """An event that will never run (its function is gone): out of the journal."""
        if self._journal:
            self._journal.done(request_id)

    def _push(self, event: AsyncEvent, delay: float) -> None:
        with self._cond:
            event.generation += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._counter), event.generation, event))
            self._cond.notify()

    def wake(self, function_key: tuple, every: bool = False) -> None:
        """A concurrency slot of the function freed (or, ``every``, its reservation
        changed): its oldest throttled event (or all) tries again now."""
        with self._cond:
            waiting = self._throttled.get(function_key)
            if not waiting:
                return
            woken = list(waiting.values()) if every else [next(iter(waiting.values()))]
            for event in woken:
                del waiting[event.request_id]
            if not waiting:
                del self._throttled[function_key]
        for event in woken:
            self._push(event, 0.0)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._cond.wait(None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic()))
                if self._stopping:
                    return
                _, _, generation, event = heapq.heappop(self._heap)
                if generation != event.generation:
                    continue  # woken early: a newer entry stands for it
                key = _function_key(event.target)
                waiting = self._throttled.get(key)
                if waiting and waiting.pop(event.request_id, None) is not None and not waiting:
                    del self._throttled[key]
            try:
                if not self._process(event):
                    self.discard(event.request_id)  # final outcome reached
            except Exception:  # noqa: BLE001
                log.exception("async event %s failed unexpectedly; requeued", event.request_id)
                self.enqueue(event.target, event.payload, self._retry_base, event)

    def _process(self, event: AsyncEvent) -> bool:
        """One attempt; True when the event was requeued, False once it reached its final outcome."""
        config = self._invoke_config(event.target) or {}
        max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
        max_retries = config.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        if time.time() - event.received > max_age:
            self._fail(event, config, "EventAgeExceeded", event.last_result)
            return False
        invocation = Invocation(payload=event.payload, request_id=event.request_id)
        try:
            result = self._invoke(event.target, invocation)
        except EventDiscarded as reason:
            log.info("async event %s discarded: %s", event.request_id, reason)
            return False
        except ZeroReservedConcurrency:
            self._fail(event, config, "ZeroReservedConcurrency", None)
            return False
        except ServiceError as error:  # throttled or not runnable right now: retry, not an attempt
            log.debug("async event %s not invoked (%s); retrying", event.request_id, error.code)
            delay = min(THROTTLE_MAX_DELAY, THROTTLE_FIRST_DELAY * (2 ** min(event.throttles, 9)),
                        max(0.0, max_age - (time.time() - event.received)))  # tried once more when it ages out
            event.throttles += 1
            self.enqueue(event.target, event.payload, delay, event)
            if error.code == "TooManyRequestsException":
                with self._cond:  # a freed slot of the function wakes it before the delay is over
                    self._throttled.setdefault(_function_key(event.target), {})[event.request_id] = event
            return True
        event.attempts += 1
        event.last_result = result
        if result.function_error is None:
            destination = ((config.get("DestinationConfig") or {}).get("OnSuccess") or {}).get("Destination")
            if destination:
                self._deliver(event.target, destination, self._record(event, "Success", result))
            return False
        if event.attempts <= max_retries:
            delay = self._retry_base * event.attempts
            if time.time() + delay - event.received > max_age:
                # AWS does not wait for a retry the event would not live to see (test_maxeventage:
                # "lambda doesn't even wait for the full 60s before the OnFailure destination").
                self._fail(event, config, "EventAgeExceeded", result)
                return False
            self.enqueue(event.target, event.payload, delay, event)
            return True
        self._fail(event, config, "RetriesExhausted", result)
        return False

    def _fail(self, event: AsyncEvent, config: dict, condition: str, result: Optional[InvocationResult]) -> None:
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        record = self._record(event, condition, result)
        if destination:
            self._deliver(event.target, destination, record)
        dead_letter = (event.target.config.get("DeadLetterConfig") or {}).get("TargetArn")
        if dead_letter:
            throttled = result is None and (event.throttles > 0 or condition == "ZeroReservedConcurrency")
            self._dead_letter(event.target, dead_letter, event.payload, event.request_id, result,
                              THROTTLED_DLQ_ERROR if throttled else None)
        if not destination and not dead_letter:
            log.warning("async event %s for %s dropped after %s (no destination or DLQ configured)",
                        event.request_id, event.target.function_name, condition)

    @staticmethod
    def _record(event: AsyncEvent, condition: str, result: Optional[InvocationResult]) -> dict:
        target = event.target
        try:
            request_payload = json.loads(event.payload)
        except ValueError:
            request_payload = event.payload.decode("utf-8", "replace")
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": iso_now(),
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": f"arn:aws:lambda:{target.region}:{target.account_id}:function:{target.function_name}:{target.version}",
                "condition": condition,
                "approximateInvokeCount": event.attempts,
            },
            "requestPayload": request_payload,
        }
        if result is not None:
            response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": result.executed_version}
            if result.function_error:
                response_context["functionError"] = result.function_error
            record["responseContext"] = response_context
            try:
                record["responsePayload"] = json.loads(result.payload) if result.payload else None
            except ValueError:
                record["responsePayload"] = result.payload.decode("utf-8", "replace")
        return record

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._journal:
            self._journal.close()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self._throttled.clear()
        if self._journal:
            self._journal.clear()


def _function_key(target: Any) -> tuple:
    """The function an event is for, as ``InvocationService`` names it when a slot frees."""
    return (target.account_id, target.region, target.function_name)


def _journal_record(event: AsyncEvent, due: float) -> JournalRecord:
    target = event.target
    result = event.last_result
    return JournalRecord(
        request_id=event.request_id,
        account_id=target.account_id,
        region=target.region,
        function_name=target.function_name,
        version=target.version,
        invoked_arn=target.invoked_arn,
        payload=event.payload,
        received=event.received,
        attempts=event.attempts,
        throttles=event.throttles,
        due=due,
        last_result=None if result is None else {
            "payload": base64.b64encode(result.payload or b"").decode(),
            "function_error": result.function_error,
            "executed_version": result.executed_version,
        },
    )


def _result_from_json(request_id: str, data: Optional[dict]) -> Optional[InvocationResult]:
    if not data:
        return None
    return InvocationResult(
        request_id=request_id,
        payload=base64.b64decode(data.get("payload") or ""),
        function_error=data.get("function_error"),
        executed_version=data.get("executed_version") or "$LATEST",
    )
