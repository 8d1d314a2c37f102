"""The default executor: each execution environment is a local process.

- ``python3.x``: AWS's runtime interface client (``awslambdaric``) under the
  gateway's interpreter (a resolved path: no pyenv shim on the hot path).
- ``nodejsNN.x``: our bootstrap (``node_bootstrap/index.mjs``), same handler semantics
  as AWS's: async, callback, context methods, ES modules and CommonJS; under the
  node of major NN when one is found (``nodes.py``), else the machine's node.
- ``provided.al2``/``provided.al2023``: the function's own ``bootstrap``.

Each environment gets its own directory: ``task/`` (a copy of the code),
``opt/`` (the layers, merged in order), ``tmp/``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Optional

from gateway.config import Config
from gateway.scratch import scratch_directory

from . import nodes, pythons
from .base import EnvironmentSpec, Executor, ExecutorError, RunningEnvironment

log = logging.getLogger("lambda.executor.process")

NODE_BOOTSTRAP = Path(__file__).resolve().parent / "node_bootstrap" / "index.mjs"
# Variables of the gateway's own environment a function may see (never
# NODE_EXTRA_CA_CERTS: loading it costs a Node.js start ~50 ms).
PASSED_THROUGH = ("LANG", "LC_ALL", "HOME", "SSL_CERT_FILE", "SSL_CERT_DIR")
STOP_GRACE_SECONDS = 1.0
# Set in every environment's processes, so that all of them can be found at stop.
ENV_MARKER = "_LAMBDA_ENVIRONMENT_ID"


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


def runtime_family(runtime: Optional[str]) -> str:
    if not runtime:
        return "image"
    for family in ("python", "nodejs", "provided"):
        if runtime.startswith(family):
            return family
    return runtime


class ProcessEnvironment(RunningEnvironment):
    def __init__(self, process: subprocess.Popen, workdir: Path, spec: EnvironmentSpec) -> None:
        self.process = process
        self.workdir = workdir
        self.spec = spec
        self._reading = threading.Event()  # set from "data is readable" until its lines are emitted
        self._stopped = threading.Event()
        self._reader = threading.Thread(target=self._read_output, name=f"out-{spec.env_id[:8]}", daemon=True)
        self._reader.start()
        self._waiter = threading.Thread(target=self._wait_exit, name=f"exit-{spec.env_id[:8]}", daemon=True)
        self._waiter.start()

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
        self.drain_output(0.05)
        self.spec.on_exit(status)  # negative: killed by that signal
        self._kill_descendants()
        self._cleanup()

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

    def max_memory_mb(self) -> int:
        """The runtime's peak resident memory (VmHWM), as REPORT's Max Memory Used."""
        try:
            fd = os.open(f"/proc/{self.process.pid}/status", os.O_RDONLY)
            try:
                status = os.read(fd, 4096)
            finally:
                os.close(fd)
            start = status.index(b"VmHWM:") + 6
            return max(1, int(status[start:status.index(b"kB", start)]) // 1024)
        except (OSError, ValueError):
            return 0

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
        self._kill_descendants()
        self._cleanup()

    def _kill_descendants(self) -> None:
        """Everything this environment started, even what left its process group
        (setsid, daemonized): found by the marker variable each inherits."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        marker = f"{ENV_MARKER}={self.spec.env_id}".encode()
        for pid in _pids_with_environ(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process.poll() is None:
            self.process.wait()

    def _cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


class ProcessExecutor(Executor):
    name = "process"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.base_dir = scratch_directory(config, "lambda-envs-")  # a crash's leftovers go at the next start
        # The venv's own interpreter path (not resolved: resolving leaves the venv).
        self.python = sys.executable
        node = shutil.which("node")
        self.node = os.path.realpath(node) if node else None
        self._pythons: dict[str, tuple[str, list[str]]] = {}
        self._nodes: dict[str, Optional[str]] = {}

    def supports(self, runtime: Optional[str], package_type: str) -> Optional[str]:
        if package_type == "Image":
            return "container images need LAMBDA_RUNTIME_EXECUTOR=docker"
        family = runtime_family(runtime)
        if family == "nodejs" and not self._node_for(runtime):
            return "Node.js is not installed"
        if family not in ("python", "nodejs", "provided"):
            return f"runtime {runtime} is not supported by the process executor"
        return None

    def start(self, spec: EnvironmentSpec) -> RunningEnvironment:
        reason = self.supports(spec.runtime, "Image" if spec.image_uri else "Zip")
        if reason:
            raise ExecutorError(reason)
        workdir = self.base_dir / spec.env_id
        task, opt, tmp = workdir / "task", workdir / "opt", workdir / "tmp"
        try:
            if spec.code_dir:
                shutil.copytree(spec.code_dir, task, symlinks=True)
            else:
                task.mkdir(parents=True)
            opt.mkdir(parents=True, exist_ok=True)
            for layer in spec.layer_dirs:
                shutil.copytree(layer, opt, symlinks=True, dirs_exist_ok=True)
            tmp.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ExecutorError(f"could not prepare the environment: {error}") from error

        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        env.update(spec.environment)
        env[ENV_MARKER] = spec.env_id
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": spec.runtime_api,
                "LAMBDA_TASK_ROOT": str(task),
                "LAMBDA_RUNTIME_DIR": str(workdir),
                "TMPDIR": str(tmp),
                "PATH": os.pathsep.join([str(opt / "bin"), os.path.dirname(self.python), "/usr/local/bin", "/usr/bin", "/bin"]),
                "LD_LIBRARY_PATH": os.pathsep.join([str(opt / "lib"), str(task / "lib")]),
            }
        )
        try:
            command = self._command(spec, task, opt, env)
        except ExecutorError:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        try:
            process = subprocess.Popen(
                command,
                cwd=str(task),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ExecutorError(f"could not start the runtime: {error}") from error
        return ProcessEnvironment(process, workdir, spec)

    def _command(self, spec: EnvironmentSpec, task: Path, opt: Path, env: dict[str, str]) -> list[str]:
        family = runtime_family(spec.runtime)
        if family == "python":
            version = spec.runtime[len("python"):]
            interpreter, extra_path = self._python_for(spec.runtime, version)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(task), str(opt / "python"), str(opt / "python" / "lib" / f"python{version}" / "site-packages")]
                + extra_path
            )
            env.setdefault("PYTHONUNBUFFERED", "1")
            env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
            return [interpreter, "-m", "awslambdaric", spec.handler]
        if family == "nodejs":
            node_paths = [opt / "nodejs" / "node_modules", opt / "nodejs" / f"node{spec.runtime[6:8]}" / "node_modules",
                          task / "node_modules"]
            env["NODE_PATH"] = os.pathsep.join(str(p) for p in node_paths)
            node = self._node_for(spec.runtime)
            # A `node` the function starts is the same one (/var/lang/bin on AWS); layers' bin/ stays first.
            first, _, rest = env["PATH"].partition(os.pathsep)
            env["PATH"] = os.pathsep.join([first, os.path.dirname(node), rest])
            return [node, str(NODE_BOOTSTRAP)]
        bootstrap = task / "bootstrap"
        if not bootstrap.exists():
            bootstrap = opt / "bootstrap"
        if not bootstrap.exists():
            raise ExecutorError("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
                                "Runtime.InvalidEntrypoint")
        bootstrap.chmod(bootstrap.stat().st_mode | 0o111)
        return [str(bootstrap)]

    def _python_for(self, runtime: str, version: str) -> tuple[str, list[str]]:
        """The interpreter for ``python3.x`` and what to add to its path."""
        cached = self._pythons.get(runtime)
        if cached is None:
            interpreter = pythons.find_interpreter(version)
            if interpreter == sys.executable:
                cached = (self.python, [])
            elif interpreter and pythons.has_ric(version):
                cached = (interpreter, [str(pythons.ric_dir(version))])
            else:
                log.info("runtime %s runs under this gateway's Python %s (no python%s with awslambdaric found)",
                         runtime, pythons.own_version(), version)
                cached = (self.python, [])
            self._pythons[runtime] = cached
        return cached

    def _node_for(self, runtime: str) -> Optional[str]:
        """The node binary for ``nodejsNN.x`` (resolved once per runtime), or None."""
        if runtime in self._nodes:
            return self._nodes[runtime]
        major = nodes.runtime_major(runtime)
        node = nodes.find_node(major)
        if node is None and self.node:
            log.info("runtime %s runs under the machine's Node.js v%s (no node %s found; `make install` installs it)",
                     runtime, nodes.node_version(self.node), major)
            node = self.node
        self._nodes[runtime] = node
        return node

    def shutdown(self) -> None:
        shutil.rmtree(self.base_dir, ignore_errors=True)
