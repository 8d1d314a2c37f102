"""A Docker engine for the docker executor's tests.

The machine's own engine is used when one answers (``DOCKER_HOST``, else
``/var/run/docker.sock``). Otherwise the tests start a ``dockerd`` of their
own (``make test`` installs Debian's ``docker.io``) and stop it at the end:

- its socket, pid file and exec root in a fresh temporary directory;
- its data root under ``$XDG_CACHE_HOME/lambda-gateway/test-dockerd`` (default
  ``~/.cache/...``), kept between runs so the test images are built once;
- ``--iptables=false --ip-masq=false``: the host's firewall is left alone
  (containers only need to reach this machine's address on the bridge);
- one such engine per machine at a time (a lock file): a second test session
  waits for the first to finish.

When no engine answers and none can be started, ``EngineUnavailable`` says why
(the tests skip with that reason).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

START_TIMEOUT = 90.0
LOCK_WAIT = 900.0


class EngineUnavailable(Exception):
    pass


def _answers(host: str) -> bool:
    import docker

    try:
        client = docker.APIClient(base_url=host, timeout=10)
        client.ping()
        client.close()
    except Exception:  # noqa: BLE001 - any failure means no engine there
        return False
    return True


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "lambda-gateway" / "test-dockerd"


class DockerEngine:
    """``host`` is the engine's address (a DOCKER_HOST value) once ``start()`` returned."""

    def __init__(self) -> None:
        self.host = ""
        self.started_own = False
        self._process: Optional[subprocess.Popen] = None
        self._run_dir: Optional[Path] = None
        self._lock_file = None
        self.log_path: Optional[Path] = None

    def start(self) -> "DockerEngine":
        existing = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        if _answers(existing):
            self.host = existing
            return self
        dockerd = shutil.which("dockerd")
        if dockerd is None:
            raise EngineUnavailable("no Docker engine answers and dockerd is not installed "
                                    "(`make test` installs docker.io)")
        self._lock()
        cache = cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        self._run_dir = Path(tempfile.mkdtemp(prefix="lgw-dockerd-", dir="/tmp"))  # short: socket paths are limited
        socket_path = self._run_dir / "docker.sock"
        self.log_path = self._run_dir / "dockerd.log"
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [dockerd, "--data-root", str(cache / "data"), "--exec-root", str(self._run_dir / "exec"),
                 "--pidfile", str(self._run_dir / "dockerd.pid"), "-H", f"unix://{socket_path}",
                 "--iptables=false", "--ip-masq=false"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.host = f"unix://{socket_path}"
        self.started_own = True
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(self.host):
            if self._process.poll() is not None or time.monotonic() > deadline:
                reason = self._log_tail()
                self.stop()
                raise EngineUnavailable(f"dockerd could not start here: {reason}")
            time.sleep(0.1)
        return self

    def _lock(self) -> None:
        lock_path = Path(tempfile.gettempdir()) / "lambda-gateway-test-dockerd.lock"
        self._lock_file = open(lock_path, "w")
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EngineUnavailable("another test session runs the test dockerd") from None
                time.sleep(0.5)

    def _log_tail(self) -> str:
        try:
            lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        except (OSError, AttributeError):
            return "no log"
        failures = [line for line in lines if "level=fatal" in line or "level=error" in line]
        return (failures or lines or ["no output"])[-1][-300:]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None
        if self._run_dir is not None:
            subprocess.run(["umount", "-R", str(self._run_dir / "exec")], capture_output=True)
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
