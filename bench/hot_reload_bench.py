"""Hot reload on file events (issue 12 point 4). Target: an edit is live for the
next invocation within 300 ms of the last write.

- Through a gateway: a Python function whose code is a hot-reload directory,
  invoked in a tight loop after each change; the figure is the time from the last
  write to the *sending* of the first invoke that runs the new code (that invoke
  then cold-starts the new environment: its answer comes one cold start later,
  shown apart). Single edits, and bursts like a bundler's rebuild (``rm -rf`` of
  the folder, 200 writes over about a second), with the restarts counted from the
  gateway's log.
- In process, the watcher alone: last write to the restart call; the time to
  start following a 50,000-entry tree; the CPU the watcher uses while following
  it idle.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import boto3

from providers.lambda_.invocation.hot_reload import HotReloadWatcher
from tests.support.gateway_process import GatewayProcess

from .common import median, percentile

VERSIONED = "VERSION = {version!r}\ndef handler(event, context):\n    return VERSION\n"
ROUNDS = 15


def _client(url: str):
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def _live_after(client, name: str, expected: str, last_write: float) -> tuple[float, float]:
    """(ms from the last write to sending the first invoke that ran ``expected``,
    ms from the last write to its answer)."""
    deadline = last_write + 10
    while time.perf_counter() < deadline:
        sent = time.perf_counter()
        answer = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
        if answer == expected:
            return (sent - last_write) * 1000, (time.perf_counter() - last_write) * 1000
    raise RuntimeError(f"{expected} never ran")


def _write_burst(directory: Path, version: str) -> float:
    shutil.rmtree(directory)
    directory.mkdir()
    for number in range(200):
        (directory / f"chunk-{number % 20}.js").write_text(f"// {number}\n")
        (directory / "index.py").write_text(VERSIONED.format(version=f"{version}-{number}"))
        time.sleep(0.005)
    return time.perf_counter()


def through_gateway() -> None:
    base = Path(tempfile.mkdtemp(prefix="hot-reload-bench-"))
    code = base / "dist"
    code.mkdir()
    (code / "index.py").write_text(VERSIONED.format(version="v0"))
    try:
        with GatewayProcess() as gateway:
            client = _client(gateway.url)
            client.create_function(FunctionName="hot", Runtime="python3.12", Handler="index.handler",
                                   Role="arn:aws:iam::000000000000:role/bench",
                                   Code={"S3Bucket": "hot-reload", "S3Key": str(code)})
            while client.get_function_configuration(FunctionName="hot")["State"] != "Active":
                time.sleep(0.05)
            client.invoke(FunctionName="hot", Payload=b"{}")
            live, answered = [], []
            for round_ in range(1, ROUNDS + 1):
                (code / "index.py").write_text(VERSIONED.format(version=f"v{round_}"))
                sent, done = _live_after(client, "hot", f"v{round_}", time.perf_counter())
                live.append(sent)
                answered.append(done)
            print(f"single edit: live for invokes sent {median(live):.0f} ms after the write (p50), "
                  f"max {max(live):.0f} ms; answered {median(answered):.0f} ms after (p50, a cold start included)")
            reloads = f"hot reload: {os.path.realpath(code)} changed;"
            live, restarts = [], []
            for round_ in range(5):
                before = gateway.logs().count(reloads)
                last = _write_burst(code, f"b{round_}")
                sent, _done = _live_after(client, "hot", f"b{round_}-199", last)
                live.append(sent)
                restarts.append(gateway.logs().count(reloads) - before)
            print(f"rm -rf + 200 writes over ~1 s: live {median(live):.0f} ms after the last write (p50), "
                  f"max {max(live):.0f} ms; restarts per burst {restarts}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def in_process() -> None:
    base = Path(tempfile.mkdtemp(prefix="hot-reload-bench-"))
    try:
        fired = threading.Event()
        watcher = HotReloadWatcher(lambda key: fired.set())
        small = base / "small"
        small.mkdir()
        watcher.watch(str(small), ("k",))
        samples = []
        for number in range(20):
            fired.clear()
            (small / "index.py").write_text(f"V = {number}\n")
            written = time.perf_counter()
            fired.wait(5)
            samples.append((time.perf_counter() - written) * 1000)
            watcher.watch(str(small), ("k",))
        print(f"watcher alone: last write -> restart p50 {median(samples):.0f} ms, "
              f"p95 {percentile(samples, 95):.0f} ms (quiet period 150 ms)")

        tree = base / "tree"
        for package in range(250):
            folder = tree / "node_modules" / f"package-{package}" / "lib"
            folder.mkdir(parents=True)
            for number in range(200):
                (folder / f"file-{number}.js").write_bytes(b"")
        started = time.perf_counter()
        watcher.watch(str(tree), ("t",))
        following = (time.perf_counter() - started) * 1000
        before = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(10)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 10 * 100
        print(f"50,751-entry tree: followed in {following:.0f} ms (with the small one re-followed); "
              f"idle watcher CPU {cpu:.2f} % of a core")
        watcher.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run() -> None:
    in_process()
    through_gateway()
