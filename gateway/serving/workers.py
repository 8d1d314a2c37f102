"""A pool of worker threads that grows on demand up to a cap and shrinks when idle.

A request may hold its worker for a long time (a synchronous invoke: up to 15
minutes), so the pool does not stay small: it starts a thread whenever none is
free, up to ``max_workers``; beyond that, tasks wait in order. Idle workers are
reused newest first (their stacks are warm) and end after ``idle_seconds``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Callable, Optional

log = logging.getLogger("gateway.server")

Task = Callable[[], None]


class _Worker:
    __slots__ = ("wake", "task")

    def __init__(self, task: Optional[Task]) -> None:
        self.wake = threading.Lock()
        self.wake.acquire()
        self.task = task


class WorkerPool:
    def __init__(self, max_workers: int, idle_seconds: float = 30.0, name: str = "http-worker") -> None:
        self.max_workers = max_workers
        self.idle_seconds = idle_seconds
        self.name = name
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []  # a stack: the most recently idle on top
        self._backlog: deque[Task] = deque()
        self._count = 0
        self._closed = False

    @property
    def saturated(self) -> bool:
        """Tasks are waiting for a worker: whoever holds one should not idle in it."""
        return bool(self._backlog)

    def submit(self, task: Task) -> None:
        with self._lock:
            if self._idle:
                worker = self._idle.pop()
                worker.task = task
                worker.wake.release()
                return
            if self._count >= self.max_workers:
                self._backlog.append(task)
                return
            self._count += 1
        threading.Thread(target=self._run, args=(_Worker(task),), name=self.name, daemon=True).start()

    def close(self) -> None:
        """Idle workers end now; busy ones end once their task is done."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.task = None
            worker.wake.release()

    def _run(self, worker: _Worker) -> None:
        try:
            while worker.task is not None:
                task, worker.task = worker.task, None
                try:
                    task()
                except Exception:  # noqa: BLE001 - a task must never take its worker down
                    log.exception("unexpected error in %s", self.name)
                with self._lock:
                    if self._backlog:
                        worker.task = self._backlog.popleft()
                        continue
                    if self._closed:
                        return
                    self._idle.append(worker)
                if not worker.wake.acquire(timeout=self.idle_seconds):
                    with self._lock:
                        if worker in self._idle:  # nobody handed it a task meanwhile: end
                            self._idle.remove(worker)
                            return
                    worker.wake.acquire()  # a task was handed over just as the wait ended
        finally:
            with self._lock:
                self._count -= 1
