"""A runtime running as a child process of the gateway (the process and sandbox
executors): its output, its exit, its memory, and ending everything it started.

Every process of the environment is found through its cgroup where the machine
allows one (``cgroups.py``); otherwise through the runtime's process tree plus
a marker variable each process inherits (a process that both leaves its
session and clears its environment then escapes: the README says so).
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import termios
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Optional

from .base import EnvironmentSpec, RunningEnvironment
from .cgroups import EnvironmentCgroup
from .peer import socket_owned_by

log = logging.getLogger("lambda.executor.child")

STOP_GRACE_SECONDS = 1.0
# Set in the environments of the process executor's runtimes when no cgroup tracks them.
ENV_MARKER = "_LAMBDA_ENVIRONMENT_ID"


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (through /proc's children lists)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return found


def _pids_with_environ(marker: bytes) -> list[int]:
    """Processes whose environment holds ``marker`` (``NAME=value``)."""
    found = []
    own = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == own:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def peak_rss_mb(pids: list[int]) -> int:
    """The largest peak resident memory (VmHWM) among ``pids``, in MB."""
    peak = 0
    for pid in pids:
        try:
            fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
            try:
                status = os.read(fd, 4096)
            finally:
                os.close(fd)
            start = status.index(b"VmHWM:") + 6
            peak = max(peak, int(status[start:status.index(b"kB", start)]) // 1024)
        except (OSError, ValueError):
            continue
    return peak


class Spawner:
    """Starts child processes from one long-lived thread.

    A child asking to die with its parent (bubblewrap's ``--die-with-parent``,
    Linux's parent-death signal) dies when the *thread* that started it ends,
    not the process: children started from request or worker threads would
    die with those. Started from here, they die only with the gateway."""

    def __init__(self, name: str) -> None:
        self._requests: "queue.SimpleQueue[tuple[Callable[[], subprocess.Popen], Future]]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            start, result = self._requests.get()
            if start is None:
                return
            try:
                result.set_result(start())
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                result.set_exception(error)

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        result: Future = Future()
        self._requests.put((lambda: subprocess.Popen(*args, **kwargs), result))
        return result.result()

    def stop(self) -> None:
        self._requests.put((None, Future()))


class ChildEnvironment(RunningEnvironment):
    """``process`` is the runtime (process executor) or bubblewrap (sandbox);
    ``cleanup`` removes what the executor prepared for it."""

    def __init__(self, process: subprocess.Popen, spec: EnvironmentSpec, cgroup: Optional[EnvironmentCgroup],
                 cleanup: Callable[[], None], marker: Optional[str] = None, signal_exits: bool = False) -> None:
        self.process = process
        # bubblewrap reports a runtime killed by signal N as exit status 128 + N
        self._signal_exits = signal_exits
        self.spec = spec
        self.cgroup = cgroup
        self._cleanup_files = cleanup
        self._marker = marker
        self._reading = threading.Event()  # set from "data is readable" until its lines are emitted
        self._stopped = threading.Event()
        self._reader = threading.Thread(target=self._read_output, name=f"out-{spec.env_id[:8]}", daemon=True)
        self._reader.start()
        self._waiter = threading.Thread(target=self._wait_exit, name=f"exit-{spec.env_id[:8]}", daemon=True)
        self._waiter.start()

    # Output and exit ----------------------------------------------------------------
    def _read_output(self) -> None:
        fd = self.process.stdout.fileno()
        buffer = b""
        while True:
            try:
                select.select([fd], [], [])
                # Set before reading, so drain_output never sees an empty pipe
                # while read bytes wait to be emitted.
                self._reading.set()
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._reading.clear()
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                self._emit(line)
            self._reading.clear()
        if buffer:
            self._emit(buffer)

    def _wait_exit(self) -> None:
        """Exit is watched apart from output: a child that inherited stdout may
        keep the pipe open long after the runtime itself is gone."""
        status = self.process.wait()
        if self._signal_exits and 128 < status < 128 + 65:
            status = 128 - status  # as Popen reports a signal: negative
        self.drain_output(0.05)
        if self.cgroup is not None and self.cgroup.oom_killed():
            self.spec.on_out_of_memory()
        self.spec.on_exit(status)  # negative: killed by that signal
        self._end_everything()

    def _emit(self, line: bytes) -> None:
        try:
            self.spec.on_output(line.decode("utf-8", "replace").rstrip("\r"))
        except Exception:  # noqa: BLE001
            log.exception("output handler failed")

    def drain_output(self, timeout: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        buf = bytearray(4)
        while time.monotonic() < deadline:
            try:
                fcntl.ioctl(fd, termios.FIONREAD, buf)
            except OSError:
                return
            if int.from_bytes(buf, sys.byteorder) == 0 and not self._reading.is_set():
                return
            time.sleep(0.0005)

    # What the environment holds -------------------------------------------------------
    def pids(self) -> list[int]:
        if self.cgroup is not None:
            return self.cgroup.pids()
        return descendants(self.process.pid) if self.process.poll() is None else []

    def accepts_peer(self, connection) -> bool:
        return socket_owned_by(connection, self.pids())

    def max_memory_mb(self) -> int:
        """REPORT's Max Memory Used: the environment's peak — its cgroup's (what
        it allocated) or the largest peak resident size among its processes
        (which also counts the shared libraries it mapped), whichever is more."""
        charged = self.cgroup.peak_memory_bytes() // (1024 * 1024) if self.cgroup is not None else 0
        resident = peak_rss_mb(self.pids()) if self.process.poll() is None else 0
        return max(1, charged, resident) if charged or resident else 0

    # Ending ----------------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the whole group, even if its leader is gone
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        self._end_everything()

    def _end_everything(self) -> None:
        """Kill whatever is left of the environment, then free what it held."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.cgroup is not None:
            self.cgroup.remove()
        elif self._marker:
            for pid in _pids_with_environ(f"{ENV_MARKER}={self._marker}".encode()):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self.process.poll() is None:
            self.process.wait()
        self._cleanup_files()
