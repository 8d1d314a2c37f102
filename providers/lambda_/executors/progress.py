"""Progress of the long steps of ``make install`` (runtime installs: pythons.py,
nodes.py), printed as plain lines so they read the same on a terminal, in CI
logs and through ``make``:

    python3.12: awslambdaric, boto3: starting
      python3.12: Collecting awslambdaric
      python3.12: Downloading boto3-1.40.1-py3-none-any.whl (139 kB)
      python3.12: still working (20 s)
    python3.12: awslambdaric installed in 24.1 s for /usr/bin/python3.12 in ...

The tool's own progress lines are passed on (``shown`` picks them), and a quiet
step says it is still working every ``HEARTBEAT_SECONDS``.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from typing import Callable, Optional, TextIO

HEARTBEAT_SECONDS = 10.0


def run(label: str, command: list[str], shown: Callable[[str], bool], timeout: Optional[float] = None,
        out: Optional[TextIO] = None, heartbeat: float = HEARTBEAT_SECONDS) -> tuple[int, str]:
    """Run ``command`` (stdout and stderr together), passing on the lines
    ``shown`` accepts; returns its exit status (-1: it could not start or ran
    past ``timeout``) and its whole output."""
    out = out or sys.stdout
    started = time.monotonic()
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   stdin=subprocess.DEVNULL, errors="replace")
    except OSError as error:
        return -1, str(error)
    lines: "queue.Queue[Optional[str]]" = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    output: list[str] = []
    last_shown = started
    while True:
        now = time.monotonic()
        if timeout is not None and now - started > timeout:
            process.kill()
            process.wait()
            return -1, "\n".join(output + [f"timed out after {timeout:.0f} s"])
        try:
            line = lines.get(timeout=max(0.05, last_shown + heartbeat - now))
        except queue.Empty:
            print(f"  {label}: still working ({time.monotonic() - started:.0f} s)", file=out, flush=True)
            last_shown = time.monotonic()
            continue
        if line is None:
            break
        output.append(line)
        if line.strip() and shown(line):
            print(f"  {label}: {line.strip()}", file=out, flush=True)
            last_shown = time.monotonic()
    return process.wait(), "\n".join(output)
