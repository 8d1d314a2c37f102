"""The poller manager: one worker per enabled mapping whose source has a poller.

Owned by the Lambda provider, it watches the backend's mappings
(``backend.watch_mappings``, replaying those restored at start):

- a mapping that is (or becomes) enabled -- create, update, enable, a restart
  with ``PERSISTENCE=1`` -- gets a worker: a thread running its source's poller
  (``plugins.py``, ``poller.py``);
- a mapping disabled or deleted has its worker stopped; reset and shutdown stop
  them all;
- an update that changes what the poller works from (``mapping.settings()``)
  stops the worker and starts a new one, which waits for the old one to end;
- a poller that dies (an exception, or ``run`` returning while enabled) is
  logged and made again after a back-off.

Stopping never waits on the caller's thread (a poller may be inside a 20 s
long poll): the worker is told, and its thread ends when the poller returns.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from ..backend.values import EventSourceMapping, MappingKey
from .clients import ClientCache, SourceClients
from .poller import Stopped
from .plugins import PollerPlugins

if TYPE_CHECKING:
    from ..backend.service import LambdaBackend

log = logging.getLogger("lambda.esm")

RESTART_FIRST_SECONDS = 1.0
RESTART_MAX_SECONDS = 30.0
HEALTHY_RUN_SECONDS = 60.0  # a poller that ran this long before dying restarts at the first back-off again


class PollerManager:
    def __init__(self, backend: "LambdaBackend", plugins: PollerPlugins, clients: ClientCache) -> None:
        self.backend = backend
        self.plugins = plugins
        self.clients = clients
        self._workers: dict[MappingKey, _Worker] = {}  # the current worker of each polled mapping
        self._live: set[_Worker] = set()  # workers whose thread has not ended (stopped ones finishing a read too)
        self._unpolled: set[MappingKey] = set()  # enabled mappings whose source has no poller (logged once)
        self._lock = threading.Lock()
        self._stopped = False
        self.restarts = 0

    def start(self) -> None:
        """Watch the mappings; those that exist already (restored) start now."""
        self.backend.watch_mappings(self, replay=True)

    def stop(self, timeout: float = 2.0) -> None:
        """Shutdown: stop every worker, waiting up to ``timeout`` for them to end."""
        self.backend.unwatch_mappings(self)
        with self._lock:
            self._stopped = True
        self._wait(self._stop_all(), timeout)

    # MappingWatcher ------------------------------------------------------------------------------
    def mapping_changed(self, key: MappingKey, mapping: Optional[EventSourceMapping]) -> None:
        name = self.plugins.name(mapping.source) if mapping is not None else None
        worker = None
        with self._lock:
            current = self._workers.get(key)
            if self._stopped or mapping is None or not mapping.enabled or name is None:
                if current is not None:
                    del self._workers[key]
                if mapping is None or not mapping.enabled:
                    self._unpolled.discard(key)
                elif name is None and key not in self._unpolled:
                    self._unpolled.add(key)
                    log.warning("event source mapping %s is enabled, but no poller reads %s sources (plugin group "
                                "gateway.lambda.event_sources)", key.uuid, mapping.source)
            elif current is not None and current.plugin_name == name and current.mapping.settings() == mapping.settings():
                current.mapping = mapping  # status members only: nothing to restart
                return
            else:
                worker = self._workers[key] = _Worker(self, mapping, name, previous=current)
        if current is not None:
            current.stop()
        if worker is not None:
            with self._lock:
                self._live.add(worker)
            worker.start()

    def mappings_reset(self) -> None:
        self._stop_all()

    # Reading -------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """For ``/_gateway/health``: how many poller threads run (stopped ones
        still finishing a read included), how often pollers were restarted."""
        with self._lock:
            return {"running": len(self._live), "restarts": self.restarts}

    # Internals -------------------------------------------------------------------------------------
    def _stop_all(self) -> list["_Worker"]:
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
            self._unpolled.clear()
        for worker in workers:
            worker.stop()
        return workers

    @staticmethod
    def _wait(workers: list["_Worker"], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.thread.join(max(0.0, deadline - time.monotonic()))
        for worker in workers:
            if worker.thread.is_alive():
                log.info("poller %s for mapping %s still finishing a read; it ends on its own", worker.plugin_name,
                         worker.mapping.uuid)

    def _restarted(self) -> None:
        with self._lock:
            self.restarts += 1

    def _ended(self, worker: "_Worker") -> None:
        with self._lock:
            self._live.discard(worker)


class _Worker:
    """One mapping's poller thread: makes the poller, runs it, remakes it when it dies."""

    def __init__(self, manager: PollerManager, mapping: EventSourceMapping, plugin_name: str,
                 previous: Optional["_Worker"]) -> None:
        self.manager = manager
        self.mapping = mapping
        self.plugin_name = plugin_name
        self._previous = previous
        self._stopping = threading.Event()
        self._poller: Any = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"esm-{mapping.source}-{mapping.uuid[:8]}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            poller = self._poller
        if poller is not None:
            try:
                poller.stop()
            except Exception:  # noqa: BLE001 - a poller's bad stop must not break the API call
                log.exception("poller %s for mapping %s failed to stop", self.plugin_name, self.mapping.uuid)

    def _run(self) -> None:
        try:
            self._poll()
        finally:
            self.manager._ended(self)

    def _poll(self) -> None:
        if self._previous is not None:  # never two pollers of one mapping at once
            self._previous.thread.join()
            self._previous = None
        manager, mapping = self.manager, self.mapping
        backoff = RESTART_FIRST_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                factory = manager.plugins.load(mapping.source)
                poller = factory(manager.backend, mapping, SourceClients(manager.clients, mapping))
                with self._lock:
                    if self._stopping.is_set():
                        return
                    self._poller = poller
                poller.run()
                if self._stopping.is_set():
                    return
                log.error("poller %s for mapping %s returned while the mapping is enabled; restarting it in %.0f s",
                          self.plugin_name, mapping.uuid, backoff)
            except Stopped:
                if self._stopping.is_set():
                    return
                log.error("poller %s for mapping %s raised Stopped while not stopped; restarting it in %.0f s",
                          self.plugin_name, mapping.uuid, backoff)
            except Exception:  # noqa: BLE001 - a dying poller is restarted, never the gateway's problem
                if self._stopping.is_set():
                    log.info("poller %s for mapping %s failed while stopping", self.plugin_name, mapping.uuid,
                             exc_info=True)
                    return
                log.exception("poller %s for mapping %s died; restarting it in %.0f s", self.plugin_name,
                              mapping.uuid, backoff)
            with self._lock:
                self._poller = None
            manager._restarted()
            if time.monotonic() - started > HEALTHY_RUN_SECONDS:
                backoff = RESTART_FIRST_SECONDS
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, RESTART_MAX_SECONDS)
