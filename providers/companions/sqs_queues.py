"""moto's SQS queues, made to hold tens of thousands of messages and to serve
concurrent consumers (the Lambda pollers' long polls, receives and deletes).

What moto does, and what ``install()`` changes (once, when the companion SQS
loads moto's SQS):

- **Cost.** moto counts a queue's messages on every SendMessage (its
  ``attributes``, three passes, reading the clock through ``datetime`` per
  message), builds the list of visible messages on every ReceiveMessage and
  reads the retention period through ``get_queue_attributes`` per message
  received; a delete scans the queue twice; a receipt handle costs 185
  ``random.choice`` calls. Measured here: 150 ms per SendMessageBatch into a
  queue of 1,000 messages, 800 ms per ReceiveMessage from 20,000. Now: the
  counts follow each change (``sqs_state.Counts``), a receive stops scanning at
  its last message, deletes and visibility changes find their message by
  receipt handle, the clock is ``time.time()``.
- **Concurrency.** moto's queues are not safe under concurrent requests: a
  delete rebuilds the message list while a send appends to it (the message
  sent is lost), two receives can take one message. Every change to a queue's
  messages now happens under the queue's lock (moto's ``_messages_lock``
  condition).
- **Long polls** wait on that condition until a send, a visibility change or
  the moment the first in-flight or delayed message turns visible (moto looked
  again every second); a long poll on a queue that is deleted ends at once
  with ``QueueDoesNotExist``.
- **Redrive**, as SQS and moto do it: a receive that meets a message already
  received ``maxReceiveCount`` times moves it to the dead-letter queue.
- **Stale receipt handles**: a delete with the handle of an earlier receive of
  a message received again since succeeds and deletes nothing, as SQS does
  (moto deleted the message, in flight under its new handle: a consumer slower
  than the visibility timeout unlocked a FIFO group while its messages were
  being processed again, and the group's next message overtook them).
- **FIFO**: no message of a group that has one in flight (moto's rule);
  ``SequenceNumber`` grows per queue and every FIFO message has one (moto drew
  a random one, and only for an explicit deduplication id); a deduplication
  id is remembered for 5 minutes after its send even when the message is
  deleted, per message group with ``DeduplicationScope=messageGroup`` (moto
  compared with the messages still queued).
- **Retention**: a receive drops the messages older than
  ``MessageRetentionPeriod`` it meets (moto stopped the receive there).
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any, Optional

from .sqs_state import DELAYED, IN_FLIGHT, VISIBLE, changes_at, now_ms, state_of, status

_INSTALLED = "_gateway_sqs_installed"  # marks moto's SQSBackend class once patched
_TOTAL_VISIBILITY_MS = 43_200 * 1000  # SQS: a message's visibility timeout may not pass 12 hours after its send


def install() -> None:
    """Patch moto's SQS (idempotent; moto's classes are process-wide)."""
    from moto.sqs import models

    if getattr(models.SQSBackend, _INSTALLED, False):
        return
    original_unix_time, original_unix_time_millis = models.unix_time, models.unix_time_millis
    models.unix_time = lambda dt=None: time.time() if dt is None else original_unix_time(dt)
    models.unix_time_millis = lambda dt=None: now_ms() if dt is None else original_unix_time_millis(dt)
    models.generate_receipt_handle = _receipt_handle

    queue = models.Queue
    queue.messages = property(_visible_messages)
    queue.approximate_number_of_messages = property(lambda self: _count(self, VISIBLE))
    queue.approximate_number_of_messages_delayed = property(lambda self: _count(self, DELAYED))
    queue.approximate_number_of_messages_not_visible = property(lambda self: _count(self, IN_FLIGHT))
    queue.add_message = _add_message
    queue.delete_message = _delete_message

    backend = models.SQSBackend
    backend.receive_message = _receive_message
    backend.change_message_visibility = _change_message_visibility
    original_purge, original_delete_queue = backend.purge_queue, backend.delete_queue
    backend.purge_queue = lambda self, queue_name: _purge(self, queue_name, original_purge)
    backend.delete_queue = lambda self, queue_name: _delete_queue(self, queue_name, original_delete_queue)
    setattr(backend, _INSTALLED, True)


def wake_waiters(queues: list[Any]) -> None:
    """Long polls on ``queues`` look again now (they were deleted, or reset)."""
    for queue in queues:
        with queue._messages_lock:
            queue._messages_lock.notify_all()


def _receipt_handle() -> str:
    return base64.b64encode(os.urandom(138)).decode("ascii")


# Queue -----------------------------------------------------------------------------------------
def _visible_messages(queue: Any) -> list[Any]:
    with queue._messages_lock:
        state_of(queue)
        now = now_ms()
        return [message for message in queue._messages if status(message, now) == VISIBLE]


def _count(queue: Any, kind: int) -> int:
    with queue._messages_lock:
        return state_of(queue).counts_now(queue._messages, now_ms()).by_status[kind]


def _add_message(queue: Any, message: Any) -> None:
    with queue._messages_lock:
        state, now = state_of(queue), now_ms()
        if queue.fifo_queue:
            if message.deduplication_id:
                group = message.group_id if getattr(queue, "deduplication_scope", "queue") == "messageGroup" else None
                if state.duplicate((group, message.deduplication_id), message.sent_timestamp or now):
                    return
            message.sequence_number = state.next_sequence_number()
        _append(queue, message, now)


def _append(queue: Any, message: Any, now: float) -> None:
    """Under ``queue``'s lock."""
    queue._messages.append(message)
    state_of(queue).entered(message, now)
    queue._messages_lock.notify_all()


def _delete_message(queue: Any, receipt_handle: str) -> None:
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    with queue._messages_lock:
        state = state_of(queue)
        if receipt_handle in state.deleted:
            return  # SQS: deleting a deleted message succeeds
        message = state.handles.get(receipt_handle) or next(
            (m for m in queue._messages if m.had_receipt_handle(receipt_handle)), None)
        if message is None:
            raise ReceiptHandleIsInvalid()
        if message.receipt_handle != receipt_handle:
            # An earlier receive's handle of a message received again since: SQS answers success and deletes
            # nothing (DeleteMessage: "you must provide the most recently received ReceiptHandle").
            return
        _remove(queue, message, now_ms())
        state.forget(message)


def _remove(queue: Any, message: Any, now: float) -> None:
    """Take ``message`` out of ``queue`` (under its lock)."""
    state_of(queue).left(status(message, now), now)
    queue._messages.remove(message)
    queue._pending_messages.discard(message)


# Backend ---------------------------------------------------------------------------------------
def _receive_message(backend: Any, queue_name: str, count: int, wait_seconds_timeout: int, visibility_timeout: int,
                     message_attribute_names: Optional[list[str]] = None) -> list[Any]:
    from moto.sqs.exceptions import QueueDoesNotExist

    queue = backend.get_queue(queue_name)
    deadline = time.monotonic() + (wait_seconds_timeout or 0)
    condition = queue._messages_lock
    while True:
        redriven: list[Any] = []
        with condition:
            result, wake_at = _take(queue, count, visibility_timeout, message_attribute_names or [], redriven)
            remaining = deadline - time.monotonic()
            if not result and not redriven and remaining > 0:
                if backend.queues.get(queue_name) is not queue:
                    raise QueueDoesNotExist()
                if wake_at is not None:
                    remaining = min(remaining, max(0.0, (wake_at - now_ms()) / 1000.0) + 0.001)
                condition.wait(remaining)
                continue
        if redriven:  # moved outside this queue's lock: a dead-letter queue takes its own
            _redrive(queue, redriven)
        if result or remaining <= 0:
            return result


def _take(queue: Any, count: int, visibility_timeout: int, attribute_names: list[str],
          redriven: list[Any]) -> tuple[list[Any], Optional[float]]:
    """Receive up to ``count`` visible messages, in order (under the queue's lock).
    Returns them (copies, message attributes filtered as asked) and when the first
    invisible message turns visible (None: none will). Messages past their
    receive limit are taken out into ``redriven``."""
    state, now = state_of(queue), now_ms()
    retention_ms = int(queue.message_retention_period) * 1000
    dead_letter = queue.dead_letter_queue if queue.redrive_policy else None
    max_receives = int(queue.redrive_policy["maxReceiveCount"]) if dead_letter is not None else 0
    busy_groups = {m.group_id for m in queue._pending_messages
                   if m.group_id is not None and status(m, now) == IN_FLIGHT} if queue.fifo_queue else set()
    result: list[Any] = []
    wake_at: Optional[float] = None
    expired: list[Any] = []
    for message in queue._messages:
        if now < message.delayed_until or now <= message.visible_at:  # status(): not VISIBLE
            at = changes_at(message, status(message, now))
            wake_at = at if wake_at is None or at < wake_at else wake_at
            continue
        if message.sent_timestamp is not None and message.sent_timestamp + retention_ms <= now:
            expired.append(message)
            continue
        if busy_groups and message.group_id in busy_groups:
            continue
        if dead_letter is not None and message.approximate_receive_count >= max_receives:
            redriven.append(message)
            continue
        state.left(VISIBLE, now)
        message.mark_received(visibility_timeout=visibility_timeout)
        queue._pending_messages.add(message)
        state.received(message)
        state.entered(message, now)
        result.append(_copy_for_response(message, attribute_names))
        if len(result) >= count:
            break
    for message in expired + redriven:  # out of the queue, after the walk over it
        _remove(queue, message, now)
        state.dropped(message)
    return result, wake_at


def _redrive(queue: Any, messages: list[Any]) -> None:
    dead_letter = queue.dead_letter_queue
    with dead_letter._messages_lock:
        now = now_ms()
        for message in messages:
            _append(dead_letter, message, now)


def _copy_for_response(message: Any, names: list[str]) -> Any:
    """The message as ReceiveMessage answers it: its message attributes those ``names`` ask for
    (``All``, ``.*``, a name, or a ``prefix.*``)."""
    answer = object.__new__(type(message))  # a plain copy (moto's __new__ would track it)
    answer.__dict__.update(message.__dict__)
    prefixes = tuple(name[:-2] for name in names if name.endswith(".*"))
    every = "All" in names
    answer.message_attributes = {
        key: value for key, value in message.message_attributes.items()
        if every or key in names or (prefixes and key.startswith(prefixes))
    }
    return answer


def _change_message_visibility(backend: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid

    queue = backend.get_queue(queue_name)
    with queue._messages_lock:
        state = state_of(queue)
        message = state.handles.get(receipt_handle) or next(
            (m for m in queue._messages if m.had_receipt_handle(receipt_handle)), None)
        if message is None:
            raise ReceiptHandleIsInvalid()
        now = now_ms()
        if now + int(visibility_timeout) * 1000 - (message.sent_timestamp or now) > _TOTAL_VISIBILITY_MS:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        state.left(status(message, now), now)
        message.change_visibility(visibility_timeout)
        state.entered(message, now)
        if status(message, now) == VISIBLE:
            queue._pending_messages.discard(message)
        queue._messages_lock.notify_all()


def _purge(backend: Any, queue_name: str, original: Any) -> None:
    queue = backend.get_queue(queue_name)
    with queue._messages_lock:
        original(backend, queue_name)
        state_of(queue).purged()


def _delete_queue(backend: Any, queue_name: str, original: Any) -> None:
    queue = backend.queues.get(queue_name)
    original(backend, queue_name)
    if queue is not None:
        wake_waiters([queue])
