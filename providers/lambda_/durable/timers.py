"""One thread that fires durable timers when they are due.

A timer is only a reminder: ``fire(key, kind, operation_id)`` is called at (or
after) its time, and the service checks whether it still applies (the wait may
have been cancelled, the callback completed, the execution stopped), so
cancelling a timer is never needed for correctness.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable

log = logging.getLogger("lambda.durable.timers")

Fire = Callable[[str, str, str], None]  # (execution arn, kind, operation id)


class TimerThread:
    def __init__(self, fire: Fire) -> None:
        self._fire = fire
        self._heap: list[tuple[float, int, str, str, str]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="durable-timers", daemon=True)
        self._thread.start()

    def add(self, due: float, arn: str, kind: str, operation_id: str) -> None:
        with self._cond:
            heapq.heappush(self._heap, (due, next(self._order), arn, kind, operation_id))
            if self._heap[0][2] == arn and self._heap[0][4] == operation_id:
                self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if not self._heap:
                        self._cond.wait()
                        continue
                    delay = self._heap[0][0] - time.time()
                    if delay <= 0:
                        break
                    self._cond.wait(delay)
                if self._stopped:
                    return
                _, _, arn, kind, operation_id = heapq.heappop(self._heap)
            try:
                self._fire(arn, kind, operation_id)
            except Exception:  # one bad timer must not stop the others
                log.exception("durable timer %s of %s (%s) failed", kind, arn, operation_id)
