"""Names and polling for the event-source tests, whose deliveries go through
pollers: a unique name per resource, and a wait for a condition with a deadline
(never a fixed sleep)."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05,
               message: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy and return its value; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)
