"""Start a real gateway process on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"listening on http://([^:\s]+):(\d+)")

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class GatewayProcess:
    """``python -m gateway`` in a child process; ``url`` once it printed ``Ready.``."""

    def __init__(self, env: Optional[dict[str, str]] = None, python: str = sys.executable) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_OVERRIDE_", "SERVICES"))}
        # PYTHONFAULTHANDLER: a gateway that will not stop is sent SIGABRT first, which makes it
        # write every thread's stack to its log (see ``stop``).
        self.env.update({"GATEWAY_LISTEN": "127.0.0.1:0", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1",
                         "PYTHONFAULTHANDLER": "1"})
        self.env.update(env or {})
        self.python = python
        self.process: Optional[subprocess.Popen] = None
        self.log_file = tempfile.NamedTemporaryFile(prefix="gateway-", suffix=".log", delete=False)
        self.stdout_lines: list[str] = []
        self.url = ""
        self.port = 0
        self.ready_seconds = 0.0

    def start(self, timeout: float = 30.0) -> "GatewayProcess":
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [self.python, "-m", "gateway"],
            cwd=str(ROOT),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log_file,
            text=True,
            start_new_session=True,
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self.stdout_lines.append(line)
                if line.strip() == "Ready.":
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.01):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gateway did not become ready:\n{self.logs()}")
        self.ready_seconds = time.perf_counter() - started
        match = None
        while match is None and time.monotonic() < deadline:
            match = _LISTENING.search(self.logs())
        assert match, self.logs()
        self.port = int(match.group(2))
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def logs(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> Optional[int]:
        if not self.process:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGABRT)  # its threads' stacks, into its log
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                print(f"gateway did not stop within {timeout:.0f} s of {signal.Signals(sig).name}; "
                      f"the end of its log:\n{self.logs()[-20000:]}", file=sys.stderr)
        return self.process.returncode

    def kill(self) -> None:
        """``kill -9`` the gateway (not its children): what a crash looks like."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "GatewayProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        try:
            os.unlink(self.log_file.name)
        except OSError:
            pass
