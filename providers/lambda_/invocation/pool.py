"""Environments of one function version: warm reuse, scale-out, keep-alive."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from .environment import EnvState, ExecutionEnvironment

log = logging.getLogger("lambda.pool")


class VersionPool:
    """Idle environments are reused most-recently-used first; a new one starts
    when all are busy. A retired pool (the version's code or configuration
    changed) hands out nothing more and stops each environment when it is
    released, so in-flight invocations finish on the old code."""

    def __init__(self, key: tuple, revision: str, start_environment: Callable[..., ExecutionEnvironment]) -> None:
        self.key = key
        self.revision = revision
        self._start_environment = start_environment
        self._lock = threading.Lock()
        self._idle: list[ExecutionEnvironment] = []
        self._all: set[ExecutionEnvironment] = set()
        self.retired = False

    def acquire(self, suppressed_init: bool = False) -> tuple[ExecutionEnvironment, bool]:
        """An environment for one invocation, and whether it is a cold start
        (``suppressed_init``: a new one's init runs on the invocation's clock)."""
        with self._lock:
            while self._idle:
                env = self._idle.pop()
                if env.state is not EnvState.STOPPED:
                    return env, False
                self._all.discard(env)
        env = self._start_environment(suppressed_init=True) if suppressed_init else self._start_environment()
        with self._lock:
            self._all.add(env)
        return env, True

    def release(self, env: ExecutionEnvironment, keep: bool) -> None:
        with self._lock:
            if keep and not self.retired and env.state is not EnvState.STOPPED:
                self._idle.append(env)
                return
            self._all.discard(env)
        # Ending an environment (its processes, cgroup, Runtime API) takes a few
        # milliseconds: the invocation that released it does not wait for that.
        threading.Thread(target=env.stop, name=f"stop-{env.id[:8]}", daemon=True).start()

    def prestart(self, count: int) -> list[ExecutionEnvironment]:
        """Provisioned concurrency: keep ``count`` environments started ahead of
        invocations, exempt from keep-alive expiry. Returns those it started."""
        with self._lock:
            pinned = [env for env in self._all if env.provisioned and env.state is not EnvState.STOPPED]
        for env in pinned[count:]:
            env.provisioned = False  # released to ordinary keep-alive
        started = []
        for _ in range(max(0, count - len(pinned))):
            env = self._start_environment(initialization_type="provisioned-concurrency")
            env.provisioned = True
            started.append(env)
        with self._lock:
            for env in started:
                self._all.add(env)
                self._idle.append(env)
        return started

    def discard(self, env: ExecutionEnvironment) -> None:
        """An idle environment that cannot serve (its init failed): out of the pool, stopped."""
        with self._lock:
            if env in self._idle:
                self._idle.remove(env)
            self._all.discard(env)
        env.stop()

    def reap(self, keepalive_seconds: float) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [
                env for env in self._idle
                if not env.provisioned and not env.debugged and now - env.last_used >= keepalive_seconds
            ]
            self._idle = [env for env in self._idle if env not in expired]
            for env in expired:
                self._all.discard(env)
        for env in expired:
            env.stop()

    def retire(self) -> None:
        with self._lock:
            self.retired = True
            idle, self._idle = self._idle, []
            for env in idle:
                self._all.discard(env)
        for env in idle:
            env.stop()

    def stop_all(self) -> None:
        with self._lock:
            self.retired = True
            envs = list(self._all)
            self._all.clear()
            self._idle.clear()
        for env in envs:
            env.stop()

    def size(self) -> int:
        with self._lock:
            return len(self._all)
