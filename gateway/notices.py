"""Change notices: "something in this resource changed", said by the provider
that changed it to whoever waits on it.

A reader of a source that has no long poll (a Kinesis shard, a DynamoDB
stream) would otherwise have to ask again and again whether anything arrived.
When the source is served by this same gateway, its provider publishes a
notice after each accepted write, and the reader sleeps until one comes (or
until its own timeout, for writes that reach the source some other way).

Keys are tuples the two sides agree on, e.g. ``("kinesis", account, region,
stream_name)``. A notice carries nothing but the key: the reader reads the
source itself, through the service's API, as it would without notices.
"""

from __future__ import annotations

import threading
from typing import Hashable


class ChangeNotices:
    """Subscribers (``threading.Event``) per key; ``publish`` sets them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[Hashable, set[threading.Event]] = {}

    def subscribe(self, key: Hashable, event: threading.Event) -> None:
        with self._lock:
            self._subscribers.setdefault(key, set()).add(event)

    def unsubscribe(self, key: Hashable, event: threading.Event) -> None:
        with self._lock:
            events = self._subscribers.get(key)
            if events is not None:
                events.discard(event)
                if not events:
                    del self._subscribers[key]

    def publish(self, key: Hashable) -> None:
        """Wake everyone waiting on ``key`` (cheap when nobody is)."""
        with self._lock:
            events = list(self._subscribers.get(key, ()))
        for event in events:
            event.set()
