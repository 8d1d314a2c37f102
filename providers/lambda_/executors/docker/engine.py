"""The Docker engine: connecting to it (lazily, so the gateway starts without
one), and knowing which containers are whose.

The engine is the one the ``docker`` CLI would use (``DOCKER_HOST``,
``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH``; default ``/var/run/docker.sock``).
Without a reachable engine every function goes ``Failed`` with reason
``Docker not available`` (the user guide's wording); the connection is tried
again whenever a function is prepared, so starting Docker later is enough.

Every container is labelled with the gateway process that started it
(machine, boot, pid and the pid's start time, as ``gateway/scratch.py`` names
scratch directories). A gateway removes its own at shutdown, and at start
removes those of gateways on this machine that are no longer running (a
``kill -9`` leaves them behind).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Mapping, Optional

from gateway.scratch import boot_id, owner_alive, process_start_ticks

if TYPE_CHECKING:
    import docker

log = logging.getLogger("lambda.executor.docker")

NOT_AVAILABLE = "Docker not available"
OWNER_LABEL = "lambda-gateway.owner"
FUNCTION_LABEL = "lambda-gateway.function"
ENVIRONMENT_LABEL = "lambda-gateway.environment"
API_TIMEOUT_SECONDS = 60
POOL_SIZE = 32  # concurrent calls to the engine (cold starts in parallel)


class DockerNotAvailable(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(NOT_AVAILABLE)
        self.detail = detail


def machine_id() -> str:
    try:
        with open("/etc/machine-id") as handle:
            value = handle.read().strip()
    except OSError:
        value = ""
    return value or socket.gethostname()


def owner_label() -> str:
    """``<machine>:<boot>:<pid>:<start ticks>`` of this gateway process."""
    pid = os.getpid()
    return f"{machine_id()}:{boot_id()}:{pid}:{process_start_ticks(pid) or 0}"


def owner_gone(label: str, machine: str, boot: str) -> bool:
    """Whether the gateway named by an owner label is no longer running (only
    decided for gateways of this machine; another machine's are never touched)."""
    parts = label.rsplit(":", 3)
    if len(parts) != 4 or parts[0] != machine:
        return False
    owner_boot, pid, ticks = parts[1], parts[2], parts[3]
    if not pid.isdigit() or not ticks.isdigit():
        return False
    if boot and owner_boot and owner_boot != boot:
        return True
    return not owner_alive(int(pid), int(ticks))


class Engine:
    """The connection to the engine, made on first need and kept while it answers."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = dict(env)
        self._api: Optional["docker.APIClient"] = None
        self._lock = threading.Lock()
        self.owner = owner_label()
        self._removals = ThreadPoolExecutor(max_workers=4, thread_name_prefix="docker-remove")

    def api(self) -> "docker.APIClient":
        """The client; DockerNotAvailable when the engine cannot be reached."""
        import docker
        from docker.utils import kwargs_from_env

        with self._lock:
            if self._api is not None:
                return self._api
            try:
                kwargs = kwargs_from_env(environment=self._env)
                self._api = docker.APIClient(timeout=API_TIMEOUT_SECONDS, max_pool_size=POOL_SIZE, **kwargs)
            except Exception as error:  # noqa: BLE001 - no engine, a bad DOCKER_HOST, TLS files missing
                raise DockerNotAvailable(str(error)) from None
            return self._api

    def unavailable_reason(self) -> Optional[str]:
        """None when the engine answers now, else ``Docker not available``."""
        try:
            self.api().ping()
        except DockerNotAvailable as error:
            log.debug("Docker engine unreachable: %s", error.detail)
            return NOT_AVAILABLE
        except Exception as error:  # noqa: BLE001 - it answered before and not now
            log.debug("Docker engine unreachable: %s", error)
            return NOT_AVAILABLE
        return None

    # Containers of this gateway ----------------------------------------------------------------
    def remove_later(self, container_id: str, remove: bool) -> None:
        """End the container (and remove it, unless ``remove`` is False) in the
        background: stopping an environment must not wait for the engine."""
        try:
            self._removals.submit(self._end, container_id, remove)
        except RuntimeError:  # shutting down: do it now
            self._end(container_id, remove)

    def _end(self, container_id: str, remove: bool) -> None:
        import docker.errors

        try:
            api = self.api()
            if remove:
                api.remove_container(container_id, force=True)
            else:
                api.kill(container_id)
        except (docker.errors.NotFound, DockerNotAvailable):
            pass
        except docker.errors.APIError as error:
            if error.status_code not in (404, 409):  # already gone, or already stopped / being removed
                log.warning("could not end container %s: %s", container_id[:12], error)
        except Exception as error:  # noqa: BLE001 - the engine went away
            log.warning("could not end container %s: %s", container_id[:12], error)

    def sweep_dead_owners(self, remove: bool) -> int:
        """End (and remove) containers left by gateways of this machine that are no longer running."""
        machine, boot = machine_id(), boot_id()
        try:
            containers = self.api().containers(all=True, filters={"label": OWNER_LABEL})
        except Exception as error:  # noqa: BLE001
            log.debug("no sweep of leftover containers: %s", error)
            return 0
        swept = 0
        for container in containers:
            label = (container.get("Labels") or {}).get(OWNER_LABEL, "")
            if label == self.owner or not owner_gone(label, machine, boot):
                continue
            if not remove and container.get("State") != "running":
                continue
            self._end(container["Id"], remove)
            swept += 1
        if swept:
            log.info("ended %d container(s) left behind by gateways no longer running", swept)
        return swept

    def end_own(self, remove: bool) -> None:
        """Gateway shutdown: wait for pending removals, then end whatever of ours is left."""
        self._removals.shutdown(wait=True)
        if self._api is None:
            return
        try:
            containers = self._api.containers(all=True, filters={"label": f"{OWNER_LABEL}={self.owner}"})
        except Exception as error:  # noqa: BLE001
            log.debug("could not list this gateway's containers: %s", error)
            return
        with ThreadPoolExecutor(max_workers=8) as pool:
            for container in containers:
                if remove or container.get("State") == "running":
                    pool.submit(self._end, container["Id"], remove)


def sweep_at_start(gateway) -> None:
    """Start-up hook (group ``gateway.startup``): with ``LAMBDA_RUNTIME_EXECUTOR=docker``,
    end the containers of dead gateways now rather than at the first function
    (in the background: the gateway does not wait for the engine)."""
    config = gateway.config
    if config.string("LAMBDA_RUNTIME_EXECUTOR") != "docker":
        return

    def sweep() -> None:
        engine = Engine(config.env)
        if engine.unavailable_reason() is None:
            engine.sweep_dead_owners(config.flag("LAMBDA_REMOVE_CONTAINERS", True))

    threading.Thread(target=sweep, name="docker-sweep", daemon=True).start()
