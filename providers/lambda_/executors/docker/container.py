"""One execution environment as a running container: its output, its exit, its
memory, and its removal.

Output: a zip function's runtime writes its stdout and stderr to a FIFO of the
gateway's, mounted at ``/var/rapid/stdout`` (AWS mounts a ``/var/rapid`` too):
a direct pipe, so ``drain_output`` can tell that every line written before the
runtime answered has been read (through the engine, lines arrive late, after
the invocation's REPORT). Whatever else reaches the container's own stdout
(a container image's runtime, whose entry point is its own) arrives on a
socket attached before the container starts (Docker's multiplexed stream).

Exit: the attached stream ends when the container does; the exit status and
whether the kernel killed it for memory are then read from the engine. A
runtime killed by signal N exits with 128 + N, reported as ``-N`` (e.g.
``signal: killed`` for an out-of-memory kill).
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import shutil
import socket
import struct
import sys
import termios
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from ..base import EnvironmentSpec, RunningEnvironment

if TYPE_CHECKING:
    import docker

log = logging.getLogger("lambda.executor.docker")

_HEADER = struct.Struct(">BxxxI")
PEER_WAIT_SECONDS = 5.0  # a connection may come before the container's address is known: wait that long at most
FIFO_NAME = "stdout"


class OutputFifo:
    """A FIFO in ``directory`` (mounted at /var/rapid), open for reading before the
    container starts; the gateway also holds a write end until the container is
    gone, so an empty FIFO never reads as its end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(mode=0o755, parents=True)
        path = directory / FIFO_NAME
        os.mkfifo(path)
        path.chmod(0o622)  # the container's user writes; nobody else reaches this directory
        self.read_fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._write_fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)

    def writers_gone(self) -> None:
        if self._write_fd != -1:
            os.close(self._write_fd)
            self._write_fd = -1

    def remove(self) -> None:
        """Close and delete it (once nothing reads it any more)."""
        self.writers_gone()
        if self.read_fd != -1:
            os.close(self.read_fd)
            self.read_fd = -1
        shutil.rmtree(self.directory, ignore_errors=True)


class _Lines:
    """Reads ``fd`` on a thread of its own and emits its lines; ``frames``: the
    fd carries Docker's multiplexed stream (8-byte headers), else raw bytes."""

    def __init__(self, fd: int, emit: Callable[[bytes], None], frames: bool, name: str,
                 on_end: Callable[[], None] = lambda: None) -> None:
        self.fd = fd
        self._emit = emit
        self._frames = frames
        self._on_end = on_end
        self._reading = threading.Event()  # set from "data is readable" until its lines are emitted
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        buffers = {1: b"", 2: b""}
        pending = b""
        while True:
            try:
                select.select([self.fd], [], [])
                self._reading.set()
                chunk = os.read(self.fd, 65536)
            except (BlockingIOError, InterruptedError):  # non-blocking: nothing after all
                self._reading.clear()
                continue
            except OSError:
                chunk = b""
            if not chunk:
                break
            if not self._frames:
                buffers[1] = self._split(buffers[1] + chunk)
            else:
                pending += chunk
                while len(pending) >= _HEADER.size:
                    stream, size = _HEADER.unpack_from(pending)
                    if len(pending) < _HEADER.size + size:
                        break
                    key = 2 if stream == 2 else 1
                    buffers[key] = self._split(buffers[key] + pending[_HEADER.size:_HEADER.size + size])
                    pending = pending[_HEADER.size + size:]
            self._reading.clear()
        for rest in buffers.values():
            if rest:
                self._emit(rest)
        self._reading.clear()
        self._on_end()

    def _split(self, data: bytes) -> bytes:
        *lines, rest = data.split(b"\n")
        for line in lines:
            self._emit(line)
        return rest

    def busy(self) -> bool:
        """Whether bytes are waiting to be read, or read and not yet emitted."""
        buf = bytearray(4)
        try:
            fcntl.ioctl(self.fd, termios.FIONREAD, buf)
        except OSError:
            return False
        return int.from_bytes(buf, sys.byteorder) > 0 or self._reading.is_set()


class ContainerEnvironment(RunningEnvironment):
    """``attach`` is the container's own output, attached before it started; ``fifo``
    the runtime's output (None for container images); ``remove(id)`` ends and
    removes (or only ends) the container, called once."""

    def __init__(self, api: "docker.APIClient", container_id: str, spec: EnvironmentSpec, attach,
                 fifo: Optional[OutputFifo], remove: Callable[[str], None], network: str) -> None:
        self.api = api
        self.id = container_id
        self.spec = spec
        self._attach = attach
        self._fifo = fifo
        self._remove = remove
        self._network = network
        self.address: Optional[str] = None
        self._address_known = threading.Event()
        self._memory_file: Optional[str] = None
        self._stopped = threading.Event()
        self._ended = threading.Event()
        self._end_lock = threading.Lock()
        short = spec.env_id[:8]
        self._runtime_output = (_Lines(fifo.read_fd, self._emit, False, f"out-{short}")
                                if fifo is not None else None)
        self._container_output = _Lines(attach.fileno(), self._emit, True, f"exit-{short}", on_end=self._exited)

    def started(self) -> None:
        """The container runs: learn its address (for ``accepts_peer``) and its memory cgroup."""
        try:
            attrs = self.api.inspect_container(self.id)
        except Exception as error:  # noqa: BLE001 - it may already be gone
            log.debug("inspecting %s failed: %s", self.id[:12], error)
            attrs = {}
        networks = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        self.address = (networks.get(self._network) or {}).get("IPAddress") or None
        self._address_known.set()
        self.spec.on_address(self.address)
        pid = (attrs.get("State") or {}).get("Pid") or 0
        self._memory_file = _memory_peak_file(pid) if pid else None

    # Output and exit ----------------------------------------------------------------
    def _emit(self, line: bytes) -> None:
        try:
            self.spec.on_output(line.decode("utf-8", "replace").rstrip("\r"))
        except Exception:  # noqa: BLE001
            log.exception("output handler failed")

    def _exited(self) -> None:
        """The container's stream ended: it stopped. Read the rest of the runtime's
        output, report how it ended, then remove it."""
        try:
            self._attach.close()  # only here: its reader was using it until now
        except OSError:
            pass
        status, out_of_memory = 0, False
        try:
            status = int(self.api.wait(self.id, timeout=30).get("StatusCode", 0))
            out_of_memory = bool(self.api.inspect_container(self.id)["State"].get("OOMKilled"))
        except Exception as error:  # noqa: BLE001 - removed under us (stop), or the engine is gone
            log.debug("exit status of %s unknown: %s", self.id[:12], error)
            status = -9 if self._stopped.is_set() else 1
        if 128 < status < 128 + 65:
            status = 128 - status  # killed by signal N: -N, as for a local process
        if self._fifo is not None and self._runtime_output is not None:
            self._fifo.writers_gone()  # the container's writers are gone with it: the reader sees the end
            self._runtime_output.thread.join(5)
        if out_of_memory:
            self.spec.on_out_of_memory()
        self.spec.on_exit(status)
        self._end()
        if self._fifo is not None and not (self._runtime_output and self._runtime_output.thread.is_alive()):
            self._fifo.remove()

    def drain_output(self, timeout: float = 0.05) -> None:
        deadline = time.monotonic() + timeout
        streams = [s for s in (self._runtime_output, self._container_output) if s is not None]
        while time.monotonic() < deadline and any(stream.busy() for stream in streams):
            time.sleep(0.0005)

    # What the environment holds -------------------------------------------------------
    def accepts_peer(self, connection: socket.socket) -> bool:
        """Only the container itself: the connection must come from its address on the network."""
        if not self._address_known.wait(PEER_WAIT_SECONDS) or self.address is None:
            return False
        try:
            peer = connection.getpeername()[0]
        except OSError:
            return False
        return peer == self.address

    def max_memory_mb(self) -> int:
        if self._memory_file is None:
            return 0
        try:
            with open(self._memory_file, "rb") as handle:
                return max(1, int(handle.read().strip() or 0) // (1024 * 1024))
        except (OSError, ValueError):
            return 0

    # Ending ----------------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._end()

    def _end(self) -> None:
        with self._end_lock:
            if self._ended.is_set():
                return
            self._ended.set()
        self._remove(self.id)  # its stream ends with it, and _exited reports it


def _memory_peak_file(pid: int) -> Optional[str]:
    """The file holding the peak memory of the cgroup ``pid`` is in (cgroup v2 or
    v1), when the container runs on this machine; None otherwise."""
    try:
        with open(f"/proc/{pid}/cgroup") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            candidate = f"/sys/fs/cgroup{path}/memory.peak"
        elif "memory" in controllers.split(","):
            candidate = f"/sys/fs/cgroup/memory{path}/memory.max_usage_in_bytes"
        else:
            continue
        if os.path.exists(candidate):
            return candidate
    return None
