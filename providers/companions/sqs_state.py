"""What the companion SQS keeps beside each moto queue (``sqs_queues``): the
queue's message counts, kept as messages change state, its receipt-handle
index, the deduplication ids it remembers and its FIFO sequence.

A ``QueueState`` hangs on its moto ``Queue`` (``state_of``) and is read and
changed only under the queue's lock (moto's ``_messages_lock`` condition).
Times are epoch milliseconds, as moto keeps them on its messages.
"""

from __future__ import annotations

import time
from itertools import islice
from typing import Any, Optional

VISIBLE, DELAYED, IN_FLIGHT = 0, 1, 2

# SQS: "If a message with a particular message deduplication ID is sent
# successfully, any messages sent with the same message deduplication ID are
# accepted successfully but aren't delivered during the 5-minute deduplication
# interval" -- deleted or not.
DEDUPLICATION_MS = 5 * 60 * 1000
# Receipt handles of deleted messages, remembered so that deleting again
# succeeds as on SQS; the oldest are forgotten beyond this many.
DELETED_HANDLES_KEPT = 10_000

_ATTRIBUTE = "_gateway_sqs_state"


def now_ms() -> float:
    return time.time() * 1000.0


def state_of(queue: Any) -> "QueueState":
    """The queue's state (made on first use; under the queue's lock). Its
    messages are a ``MessageList`` from then on."""
    state = queue.__dict__.get(_ATTRIBUTE)
    if state is None:
        state = queue.__dict__[_ATTRIBUTE] = QueueState()
    if type(queue._messages) is list:  # new, or purged by moto
        queue._messages = MessageList(queue._messages)
    return state


class MessageList:
    """A queue's messages in send order, for what moto does with its list
    (append, remove, iterate, len) at O(1) a removal (a list scans for it)."""

    __slots__ = ("_items",)

    def __init__(self, messages: Any = ()) -> None:
        self._items: dict[int, Any] = {id(message): message for message in messages}

    def append(self, message: Any) -> None:
        self._items[id(message)] = message

    def remove(self, message: Any) -> None:
        if self._items.get(id(message)) is not message:
            raise ValueError("message not in queue")
        del self._items[id(message)]

    def __iter__(self) -> Any:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)


def status(message: Any, now: float) -> int:
    """VISIBLE, DELAYED or IN_FLIGHT at ``now``, as moto's ``delayed`` and ``visible`` say."""
    if now < message.delayed_until:
        return DELAYED
    if now <= message.visible_at:
        return IN_FLIGHT
    return VISIBLE


def changes_at(message: Any, kind: int) -> float:
    """When a DELAYED or IN_FLIGHT message becomes visible."""
    return message.delayed_until if kind == DELAYED else message.visible_at


class Counts:
    """ApproximateNumberOfMessages, ...Delayed and ...NotVisible, exact until
    ``valid_until``: the first moment a delayed or in-flight message turns visible."""

    __slots__ = ("by_status", "valid_until")

    def __init__(self, messages: list[Any], now: float) -> None:
        self.by_status = [0, 0, 0]
        self.valid_until = float("inf")
        for message in messages:
            self.add(message, now)

    def add(self, message: Any, now: float) -> None:
        kind = status(message, now)
        self.by_status[kind] += 1
        if kind != VISIBLE:
            self.valid_until = min(self.valid_until, changes_at(message, kind))

    def remove(self, kind: int) -> None:
        self.by_status[kind] -= 1

    def total(self) -> int:
        return sum(self.by_status)


class QueueState:
    __slots__ = ("counts", "handles", "deleted", "deduplication", "sequence")

    def __init__(self) -> None:
        self.counts: Optional[Counts] = None
        self.handles: dict[str, Any] = {}  # every receipt handle of a message still queued -> the message
        self.deleted: dict[str, None] = {}  # receipt handles of deleted messages, oldest first
        self.deduplication: dict[tuple, float] = {}  # (group or None, deduplication id) -> sent at, oldest first
        # FIFO SequenceNumber: 20 digits that only grow, as SQS's do.
        self.sequence = 18_000_000_000_000_000_000 + int(now_ms()) * 1000

    # Counts --------------------------------------------------------------------------------------
    def counts_now(self, messages: list[Any], now: float) -> Counts:
        counts = self.counts
        if counts is None or now >= counts.valid_until or counts.total() != len(messages):
            counts = self.counts = Counts(messages, now)
        return counts

    def entered(self, message: Any, now: float) -> None:
        """``message`` joined the queue (or, after a change, is counted again)."""
        if self._fresh(now):
            self.counts.add(message, now)  # type: ignore[union-attr]

    def left(self, kind: int, now: float) -> None:
        """A message that was ``kind`` left the queue (or is about to change)."""
        if self._fresh(now):
            self.counts.remove(kind)  # type: ignore[union-attr]

    def _fresh(self, now: float) -> bool:
        counts = self.counts
        if counts is not None and now >= counts.valid_until:
            self.counts = counts = None
        return counts is not None

    # Receipt handles ------------------------------------------------------------------------------
    def received(self, message: Any) -> None:
        self.handles[message.receipt_handle] = message

    def forget(self, message: Any) -> None:
        """``message`` was deleted: its handles now name a deleted message."""
        for handle in message.all_receipt_handles:
            if handle is not None:
                self.handles.pop(handle, None)
                self.deleted[handle] = None
        excess = len(self.deleted) - DELETED_HANDLES_KEPT
        if excess > 0:
            for handle in list(islice(self.deleted, excess)):
                del self.deleted[handle]

    def dropped(self, message: Any) -> None:
        """``message`` left the queue otherwise (redriven, expired): its handles name nothing."""
        for handle in message.all_receipt_handles:
            if handle is not None:
                self.handles.pop(handle, None)

    def purged(self) -> None:
        self.counts = None
        self.handles.clear()

    # FIFO ------------------------------------------------------------------------------------------
    def duplicate(self, key: tuple, sent_at: float) -> bool:
        """Whether ``key`` was sent in the last 5 minutes; remembers it when not."""
        horizon = sent_at - DEDUPLICATION_MS
        expired = [k for k, at in islice(self.deduplication.items(), 64) if at <= horizon]
        for k in expired:
            del self.deduplication[k]
        previous = self.deduplication.get(key)
        if previous is not None and previous > horizon:
            return True
        self.deduplication.pop(key, None)
        self.deduplication[key] = sent_at
        return False

    def next_sequence_number(self) -> str:
        self.sequence += 1
        return f"{self.sequence:020d}"
