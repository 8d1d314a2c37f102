"""The function state model: ``Pending -> Active`` after a create,
``InProgress -> Successful`` after an update, ``Failed`` when preparation fails.

https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html

An operation that changes a version marks it (``mark_creating`` /
``mark_updating``), saves it and answers; ``Lifecycle.submit`` then completes the
transition asynchronously on one of the lifecycle's worker threads (or inline
with ``LAMBDA_SYNCHRONOUS_CREATE=1``): it runs the hooks, then sets the final
state with a new ``RevisionId`` and saves again.

Hooks are how the data plane ("version manager") takes part, without the API
knowing it exists. Register callables on ``provider.lifecycle.hooks``:

- ``on_version_created(event)``: a version was created ($LATEST on create, or a
  published version). Runs on a lifecycle worker *before* the version becomes
  ``Active``; prepare what invoking it needs. Raise ``VersionFailed(reason,
  code)`` to move the version to ``Failed`` instead (e.g. ``VersionFailed("Docker
  not available", "InternalError")``).
- ``on_version_updated(event)``: $LATEST's code or configuration changed; runs
  before ``LastUpdateStatus`` becomes ``Successful`` (raise ``VersionFailed`` for
  ``Failed``). Roll environments over to the new configuration here.
- ``on_version_deleted(event)``: a published version was deleted (after the
  fact, on the request thread; must be quick).
- ``on_function_deleted(store, function)``: a function is gone (delete or
  reset; after the fact, on the calling thread; must be quick).

``event.version`` is the live object: hooks read it, never mutate it (state
changes go through this module under the store lock). Hooks run outside the
store lock, so they may take their time and call back into the API.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .models import LATEST, Function, FunctionVersion, new_revision_id
from .store import LambdaStore

log = logging.getLogger("lambda.state")

CREATING_REASON = "The function is being created."
CREATING_CODE = "Creating"


class VersionFailed(Exception):
    """Raised by a hook: the version cannot become ready."""

    def __init__(self, reason: str, code: str = "InternalError") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass
class VersionEvent:
    store: LambdaStore
    function: Function
    version: FunctionVersion

    @property
    def qualifier(self) -> str:
        return self.version.qualifier


VersionHook = Callable[[VersionEvent], None]
FunctionHook = Callable[[LambdaStore, Function], None]


@dataclass
class Hooks:
    on_version_created: list[VersionHook] = field(default_factory=list)
    on_version_updated: list[VersionHook] = field(default_factory=list)
    on_version_deleted: list[VersionHook] = field(default_factory=list)
    on_function_deleted: list[FunctionHook] = field(default_factory=list)


# Marking a configuration (under the store lock) -------------------------------------
def mark_creating(config: dict) -> None:
    config["State"] = "Pending"
    config["StateReason"] = CREATING_REASON
    config["StateReasonCode"] = CREATING_CODE
    for key in ("LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"):
        config.pop(key, None)
    config["RevisionId"] = new_revision_id()


def mark_updating(config: dict) -> None:
    # AWS words an update's progress exactly like a create's.
    config["LastUpdateStatus"] = "InProgress"
    config["LastUpdateStatusReason"] = CREATING_REASON
    config["LastUpdateStatusReasonCode"] = CREATING_CODE
    config["RevisionId"] = new_revision_id()


def mark_active(config: dict) -> None:
    config["State"] = "Active"
    config["LastUpdateStatus"] = "Successful"
    for key in ("StateReason", "StateReasonCode", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"):
        config.pop(key, None)
    config["RevisionId"] = new_revision_id()


def mark_failed(config: dict, creating: bool, failure: VersionFailed) -> None:
    if creating:
        config["State"] = "Failed"
        config["StateReason"] = failure.reason
        config["StateReasonCode"] = failure.code
    config["LastUpdateStatus"] = "Failed"
    config["LastUpdateStatusReason"] = failure.reason
    config["LastUpdateStatusReasonCode"] = failure.code
    config["RevisionId"] = new_revision_id()


def in_transition(config: dict) -> bool:
    return config.get("State") == "Pending" or config.get("LastUpdateStatus") == "InProgress"


# Completing transitions ---------------------------------------------------------------
@dataclass
class _Job:
    store: Optional[LambdaStore]
    function: Optional[Function]
    qualifier: str
    creating: bool
    not_before: float
    task: Optional[Callable[[], None]] = None  # a deferred task instead of a transition


class Lifecycle:
    """Owns the worker threads that complete state transitions, and the hooks."""

    def __init__(
        self,
        is_current: Callable[[LambdaStore], bool],
        delay_seconds: float = 0.0,
        workers: int = 4,
    ) -> None:
        self.hooks = Hooks()
        self.delay = delay_seconds
        self._is_current = is_current  # False for a store dropped by reset
        self._queue: "queue.Queue[Optional[_Job]]" = queue.Queue()
        self._workers = [
            threading.Thread(target=self._work, name=f"lambda-lifecycle-{i}", daemon=True) for i in range(workers)
        ]
        self._unfinished = 0
        self._idle = threading.Condition()
        for worker in self._workers:
            worker.start()

    # Submitting ------------------------------------------------------------------
    def submit(self, store: LambdaStore, function: Function, qualifier: str, creating: bool, wait: bool = False) -> None:
        """Complete the transition of ``function``'s version ``qualifier``:
        in the background, or right now when ``wait``."""
        job = _Job(store, function, qualifier, creating, time.monotonic() + self.delay)
        if wait:
            self._run(job)
            return
        with self._idle:
            self._unfinished += 1
        self._queue.put(job)

    def defer(self, task: Callable[[], None], delay: float = 0.0) -> None:
        """Run ``task`` on a lifecycle worker after ``delay`` seconds (housekeeping)."""
        with self._idle:
            self._unfinished += 1
        self._queue.put(_Job(None, None, "", False, time.monotonic() + delay, task))

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted transition is complete (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._unfinished:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def stop(self) -> None:
        for _ in self._workers:
            self._queue.put(None)

    # Hooks fired by the API -----------------------------------------------------------
    def version_deleted(self, store: LambdaStore, function: Function, version: FunctionVersion) -> None:
        self._fire(self.hooks.on_version_deleted, VersionEvent(store, function, version))

    def function_deleted(self, store: LambdaStore, function: Function) -> None:
        for hook in list(self.hooks.on_function_deleted):
            try:
                hook(store, function)
            except Exception:  # noqa: BLE001 - a hook must not break the API
                log.exception("on_function_deleted hook failed for %s", function.arn)

    # Workers ------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                wait = job.not_before - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if job.task is not None:
                    job.task()
                else:
                    self._run(job)
            except Exception:  # noqa: BLE001
                log.exception("lifecycle job failed (%s %s)", job.function.arn if job.function else job.task, job.qualifier)
            finally:
                with self._idle:
                    self._unfinished -= 1
                    if not self._unfinished:
                        self._idle.notify_all()

    def _version(self, job: _Job) -> Optional[FunctionVersion]:
        assert job.store is not None and job.function is not None
        if not self._is_current(job.store) or job.store.functions.get(job.function.name) is not job.function:
            return None  # deleted or reset meanwhile
        if job.qualifier == LATEST:
            return job.function.latest
        return job.function.versions.get(job.qualifier)

    def _run(self, job: _Job) -> None:
        assert job.store is not None and job.function is not None
        with job.store.lock:
            version = self._version(job)
        if version is None:
            return
        hooks = self.hooks.on_version_created if job.creating else self.hooks.on_version_updated
        failure: Optional[VersionFailed] = None
        try:
            self._fire(hooks, VersionEvent(job.store, job.function, version), raise_failure=True)
        except VersionFailed as error:
            failure = error
        with job.store.lock:
            if self._version(job) is not version:
                return
            config = version.config
            if not in_transition(config):
                return
            if failure is None:
                mark_active(config)
            else:
                mark_failed(config, job.creating, failure)
                log.warning(
                    "Lambda '%s' changed to failed. Reason: %s", config["FunctionArn"] + _suffix(version), failure.reason
                )
            job.store.save_function(job.function)

    @staticmethod
    def _fire(hooks: list[VersionHook], event: VersionEvent, raise_failure: bool = False) -> None:
        for hook in list(hooks):
            try:
                hook(event)
            except VersionFailed:
                if raise_failure:
                    raise
            except Exception as error:  # noqa: BLE001 - a broken hook fails the version, not the gateway
                log.exception("lifecycle hook %r failed", hook)
                if raise_failure:
                    raise VersionFailed(f"{type(error).__name__}: {error}") from error


def _suffix(version: FunctionVersion) -> str:
    return ":$LATEST" if version.qualifier == LATEST else ""
