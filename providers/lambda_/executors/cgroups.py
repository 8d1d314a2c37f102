"""Control groups for execution environments: every process an environment
starts is tracked, killed with it, and limited to the function's memory.

Where the machine lets the gateway create cgroups (root, or a delegated
subtree), each environment gets one under the gateway's own cgroup:

- in the unified (v2) hierarchy: membership (``cgroup.procs``), killing
  (``cgroup.kill``: one write ends every process, even ones that called
  ``setsid`` or cleared their environment) and, when the memory controller is
  available there, ``memory.max`` / ``memory.peak`` / ``memory.events``;
- else in the v1 ``memory`` hierarchy (hybrid machines):
  ``memory.limit_in_bytes`` (+ ``memsw``, so the limit cannot be escaped into
  swap), ``memory.max_usage_in_bytes`` and ``memory.oom_control``.

The runtime joins its cgroups before it executes anything (see
``join_command``), so no child can be forked outside them. A gateway's groups
live under ``lambda-gateway-<pid>``; groups of gateways that died are emptied
(their processes killed) and removed at the next start.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

log = logging.getLogger("lambda.executor.cgroups")

GROUP_PREFIX = "lambda-gateway-"
# Runs before the runtime: joins each cgroup named before "--", then becomes the command.
_JOIN_SCRIPT = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"'


@dataclass
class _Hierarchy:
    mount: Path  # where the hierarchy is mounted
    own: Path  # the gateway's own cgroup in it


def _mounts() -> tuple[Optional[Path], dict[str, Path], dict[str, str]]:
    """(cgroup2 mount, v1 mount per controller, mount root per mount point)."""
    unified: Optional[Path] = None
    v1: dict[str, Path] = {}
    roots: dict[str, str] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None, {}, {}
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, extra = left.split(), right.split()
        if len(fields) < 5 or len(extra) < 3:
            continue
        root, point, fstype, options = fields[3], fields[4], extra[0], extra[2]
        if fstype == "cgroup2" and unified is None:
            unified = Path(point)
            roots[point] = root
        elif fstype == "cgroup":
            for option in options.split(","):
                if option in ("memory", "pids", "freezer"):
                    v1[option] = Path(point)
                    roots[point] = root
    return unified, v1, roots


def _own_paths() -> tuple[Optional[str], dict[str, str]]:
    """The gateway's cgroup path in the unified hierarchy and per v1 controller."""
    unified: Optional[str] = None
    v1: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None, {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            unified = path
        for controller in controllers.split(","):
            v1[controller] = path
    return unified, v1


def _inside(mount: Path, mount_root: str, path: str) -> Path:
    relative = os.path.relpath(path, mount_root) if mount_root != "/" else path.lstrip("/")
    return mount if relative in (".", "") else mount / relative


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def _read_int(path: Path) -> Optional[int]:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pids_in(group: Path) -> list[int]:
    try:
        return [int(line) for line in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _kill_all(group: Path) -> None:
    """End every process in ``group`` (``cgroup.kill`` where the kernel has it)."""
    if (group / "cgroup.kill").exists() and _write(group / "cgroup.kill", "1"):
        return
    for _ in range(100):  # a forking process may add members while we kill: repeat until empty
        pids = _pids_in(group)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _remove(group: Path, patience: float = 2.0) -> None:
    """Remove an emptied group (the kernel frees it once its members are reaped)."""
    for child in sorted((p for p in group.glob("*/") if p.is_dir()), reverse=True):
        _remove(child, patience)
    deadline = time.monotonic() + patience
    while True:
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                log.debug("could not remove cgroup %s: %s", group, error)
                return
            time.sleep(0.01)


@dataclass
class EnvironmentCgroup:
    """The cgroups of one execution environment (one or two hierarchies)."""

    tracking: Optional[Path]  # v2 group: membership and killing
    memory: Optional[Path]  # the group that carries the memory limit (v2 or v1)
    memory_v2: bool = False
    groups: list[Path] = field(default_factory=list)

    def procs_files(self) -> list[str]:
        return [str(group / "cgroup.procs") for group in self.groups]

    def v2_id(self) -> Optional[int]:
        """The tracking group's id (its directory's inode): what the kernel reports
        as the cgroup of each socket the environment's processes open."""
        if self.tracking is None:
            return None
        try:
            return self.tracking.stat().st_ino
        except OSError:
            return None

    def pids(self) -> list[int]:
        group = self.tracking or self.memory
        return _pids_in(group) if group else []

    def kill(self) -> None:
        for group in self.groups:
            _kill_all(group)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process here for exceeding the memory limit."""
        if self.memory is None:
            return False
        name = "memory.events" if self.memory_v2 else "memory.oom_control"
        try:
            for line in (self.memory / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            return False
        return False

    def peak_memory_bytes(self) -> int:
        if self.memory is None:
            return 0
        name = "memory.peak" if self.memory_v2 else "memory.max_usage_in_bytes"
        return _read_int(self.memory / name) or 0

    def remove(self) -> None:
        self.kill()
        for group in self.groups:
            _remove(group)


class Cgroups:
    """What this machine lets the gateway do with cgroups, found once."""

    def __init__(self) -> None:
        self.base_v2: Optional[Path] = None
        self.base_v1_memory: Optional[Path] = None
        self.memory_v2 = False
        name = f"{GROUP_PREFIX}{os.getpid()}"
        unified_mount, v1_mounts, roots = _mounts()
        unified_own, v1_own = _own_paths()
        if unified_mount is not None and unified_own is not None:
            own = _inside(unified_mount, roots.get(str(unified_mount), "/"), unified_own)
            _clean_leftovers(own)
            base = own / name
            if _make(base):
                self.base_v2 = base
                self.memory_v2 = self._enable_memory_v2(own, base)
        if not self.memory_v2 and "memory" in v1_mounts and "memory" in v1_own:
            mount = v1_mounts["memory"]
            own = _inside(mount, roots.get(str(mount), "/"), v1_own["memory"])
            _clean_leftovers(own)
            base = own / name
            if _make(base):
                _write(base / "memory.use_hierarchy", "1")
                self.base_v1_memory = base

    @staticmethod
    def _enable_memory_v2(own: Path, base: Path) -> bool:
        """The memory controller for environment groups under ``base``."""
        try:
            available = (base / "cgroup.controllers").read_text().split()
        except OSError:
            return False
        if "memory" not in available:
            try:
                own_controllers = (own / "cgroup.controllers").read_text().split()
            except OSError:
                return False
            if "memory" not in own_controllers or not _write(own / "cgroup.subtree_control", "+memory"):
                return False
        return _write(base / "cgroup.subtree_control", "+memory")

    @property
    def tracks(self) -> bool:
        """Whether every process of an environment can be found and killed."""
        return self.base_v2 is not None or self.base_v1_memory is not None

    @property
    def limits_memory(self) -> bool:
        return self.memory_v2 or self.base_v1_memory is not None

    def describe(self) -> str:
        if self.memory_v2:
            return "cgroup v2 (tracking, memory limit)"
        if self.base_v2 is not None and self.base_v1_memory is not None:
            return "cgroup v2 (tracking) + v1 memory (memory limit)"
        if self.base_v2 is not None:
            return "cgroup v2 (tracking; no memory controller)"
        if self.base_v1_memory is not None:
            return "cgroup v1 memory (tracking, memory limit)"
        return "none (no writable cgroup)"

    def create(self, env_id: str, memory_mb: int) -> Optional[EnvironmentCgroup]:
        limit = str(memory_mb * 1024 * 1024)
        tracking = memory = None
        groups: list[Path] = []
        if self.base_v2 is not None and _make(self.base_v2 / env_id):
            tracking = self.base_v2 / env_id
            groups.append(tracking)
            if self.memory_v2 and _write(tracking / "memory.max", limit):
                _write(tracking / "memory.swap.max", "0")
                memory = tracking
        if memory is None and self.base_v1_memory is not None and _make(self.base_v1_memory / env_id):
            group = self.base_v1_memory / env_id
            if _write(group / "memory.limit_in_bytes", limit):
                _write(group / "memory.memsw.limit_in_bytes", limit)
                memory = group
            groups.append(group)
        if not groups:
            return None
        return EnvironmentCgroup(tracking, memory, memory_v2=memory is not None and memory is tracking, groups=groups)

    def shutdown(self) -> None:
        for base in (self.base_v2, self.base_v1_memory):
            if base is not None:
                for group in [p for p in base.iterdir() if p.is_dir()] if base.exists() else []:
                    _kill_all(group)
                _remove(base)


def join_command(cgroup: Optional[EnvironmentCgroup], command: list[str]) -> list[str]:
    """``command``, started so that it is inside ``cgroup`` before it runs."""
    if cgroup is None:
        return command
    return ["/bin/sh", "-c", _JOIN_SCRIPT, "sh", *cgroup.procs_files(), "--", *command]


def _make(path: Path) -> bool:
    try:
        path.mkdir()
        return True
    except FileExistsError:
        return True
    except OSError:
        return False


def _clean_leftovers(own: Path) -> None:
    """Groups of gateways that are gone: their processes are killed, the groups removed."""
    try:
        candidates = [p for p in own.iterdir() if p.is_dir() and p.name.startswith(GROUP_PREFIX)]
    except OSError:
        return
    for base in candidates:
        pid = base.name[len(GROUP_PREFIX):]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        log.info("removing execution environments left by gateway %s", pid)
        for group in [p for p in base.iterdir() if p.is_dir()]:
            _kill_all(group)
        _remove(base)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
