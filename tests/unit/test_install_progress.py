"""Progress lines of long operations: runtime installs (executors/progress.py,
a real child process) and Docker image pulls (docker/pull_progress.py, fed the
events of the engine's pull stream as the Docker API documents them)."""

from __future__ import annotations

import io
import sys

from providers.lambda_.executors import progress
from providers.lambda_.executors.docker.pull_progress import PullProgress

CHILD = ("import sys, time\n"
         "print('Collecting awslambdaric', flush=True)\n"
         "print('some detail', flush=True)\n"
         "time.sleep(0.6)\n"  # a quiet step: the heartbeat speaks
         "print('Installing collected packages: awslambdaric', flush=True)\n"
         "sys.exit(3)\n")


def test_an_install_shows_the_tools_progress_and_a_heartbeat():
    out = io.StringIO()
    status, output = progress.run("python3.12", [sys.executable, "-c", CHILD],
                                  shown=lambda line: line.startswith(("Collecting", "Installing")), out=out,
                                  heartbeat=0.2)
    assert status == 3
    assert "some detail" in output  # all of it kept for the error message
    lines = out.getvalue().splitlines()
    assert lines[0] == "  python3.12: Collecting awslambdaric"
    assert lines[-1] == "  python3.12: Installing collected packages: awslambdaric"
    assert any(line.startswith("  python3.12: still working (") for line in lines[1:-1])
    assert not any("some detail" in line for line in lines)


def test_an_install_past_its_timeout_is_ended():
    status, output = progress.run("node20", [sys.executable, "-c", "import time; time.sleep(30)"], shown=bool,
                                  timeout=0.3, out=io.StringIO(), heartbeat=0.1)
    assert status == -1 and output.endswith("timed out after 0 s")


def test_a_pull_reports_bytes_and_layers():
    now = [0.0]
    pull = PullProgress("public.ecr.aws/lambda/python:3.12", clock=lambda: now[0])
    events = [
        {"status": "Pulling from lambda/python", "id": "3.12"},
        {"status": "Pulling fs layer", "progressDetail": {}, "id": "a1"},
        {"status": "Pulling fs layer", "progressDetail": {}, "id": "b2"},
        {"status": "Already exists", "progressDetail": {}, "id": "c3"},
        {"status": "Downloading", "progressDetail": {"current": 10_000_000, "total": 40_000_000}, "id": "a1"},
        {"status": "Downloading", "progressDetail": {"current": 1_000_000, "total": 2_000_000}, "id": "b2"},
    ]
    assert [pull.feed(event) for event in events] == [None] * len(events)  # nothing due yet
    now[0] = 6.0
    line = pull.feed({"status": "Download complete", "progressDetail": {}, "id": "b2"})
    assert line == "pulling public.ecr.aws/lambda/python:3.12: 12.0 of 42.0 MB, 1 of 3 layers done"
    now[0] = 7.0
    assert pull.feed({"status": "Downloading", "progressDetail": {"current": 20_000_000, "total": 40_000_000},
                      "id": "a1"}) is None  # the next line is 5 s away
    for layer in ("a1", "b2"):
        pull.feed({"status": "Pull complete", "progressDetail": {}, "id": layer})
    now[0] = 12.5
    assert pull.finished() == "pulled public.ecr.aws/lambda/python:3.12: 3 layers, 42.0 MB in 12.5 s"
