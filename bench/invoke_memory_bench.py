"""The gateway's memory under a long steady invoke load (issue 8, "memory stays
bounded"): a Python function that prints a few lines per invocation is invoked
by 4 wrk connections for ``BENCH_MEMORY_SECONDS`` (default 600 s; e.g. 60 for a
quick check), while the gateway process's RSS is sampled every 5 s. Every line
goes to CloudWatch Logs, whose stores the gateway bounds (``LOGS_RETENTION_BYTES``,
``LOGS_MAX_EVENTS_PER_STREAM``): after the first minute, the RSS must stay flat
within 10 %.

``BENCH_MEMORY_UNBOUNDED=1`` runs the same load with both bounds off
(``0``), for comparison: memory then grows with every line.
"""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile

import boto3
import psutil
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

from .common import signed_headers, wrk

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLER = """
def handler(event, context):
    print("processing", context.aws_request_id)
    print("done")
    return {"ok": True}
"""
SAMPLE_SECONDS = 5.0
WARM_UP_SECONDS = 60.0


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return buffer.getvalue()


def _mib(value: float) -> str:
    return f"{value / 1024 / 1024:.1f} MiB"


def run(seconds: float = 0.0) -> dict[str, object]:
    seconds = seconds or float(os.environ.get("BENCH_MEMORY_SECONDS", "600"))
    unbounded = os.environ.get("BENCH_MEMORY_UNBOUNDED") == "1"
    env = {"LOGS_RETENTION_BYTES": "0", "LOGS_MAX_EVENTS_PER_STREAM": "0"} if unbounded else {}
    with GatewayProcess(env=env) as gateway:
        client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1",
                              config=BotoConfig(retries={"max_attempts": 0}))
        client.create_function(FunctionName="memory", Runtime="python3.11", Role=ROLE, Handler="index.handler",
                               Code={"ZipFile": _zip()})
        client.get_waiter("function_active_v2").wait(FunctionName="memory", WaiterConfig={"Delay": 0.1})
        client.invoke(FunctionName="memory", Payload=b"{}")
        process = psutil.Process(gateway.process.pid)  # the gateway itself, not its functions
        samples: list[tuple[float, int]] = []
        done = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not done.wait(SAMPLE_SECONDS):
                samples.append((time.monotonic() - started, process.memory_info().rss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        url = f"{gateway.url}/2015-03-31/functions/memory/invocations"
        load = wrk(url, connections=4, seconds=int(seconds), headers=signed_headers("lambda"), method="POST", body=b"{}")
        done.set()
        sampler.join()
        logs = boto3.client("logs", endpoint_url=gateway.url, region_name="us-east-1")
        try:
            streams = logs.describe_log_streams(logGroupName="/aws/lambda/memory")["logStreams"]
        except logs.exceptions.ResourceNotFoundException:  # nothing shipped (yet)
            streams = []
    after_warm_up = [rss for at, rss in samples if at >= WARM_UP_SECONDS] or [rss for _, rss in samples]
    first, last = after_warm_up[0], after_warm_up[-1]
    low, high = min(after_warm_up), max(after_warm_up)
    invocations = load.rps * seconds
    figures = {
        "seconds": seconds,
        "bounds": "off" if unbounded else "default",
        "invokes_per_second": round(load.rps),
        "invocations": round(invocations),
        "log_events": round(invocations * 5),
        "rss_at_warm_up": first,
        "rss_end": last,
        "rss_min": low,
        "rss_max": high,
        "spread": (high - low) / first,
        "growth": (last - first) / first,
        "log_streams": len(streams),
    }
    print(f"  {seconds:.0f} s of invokes, 4 connections, bounds {figures['bounds']}: {load}")
    print(f"  ~{figures['invocations']:,} invocations, ~{figures['log_events']:,} log events shipped, "
          f"{len(streams)} log stream(s)")
    print(f"  gateway RSS after {WARM_UP_SECONDS:.0f} s: {_mib(first)}; end: {_mib(last)} "
          f"({figures['growth']:+.1%}); min {_mib(low)}, max {_mib(high)} (spread {figures['spread']:.1%}; target < 10%)")
    second_half = [rss for at, rss in samples if at >= seconds / 2] or after_warm_up
    figures["second_half_growth"] = (second_half[-1] - second_half[0]) / second_half[0]
    figures["second_half_spread"] = (max(second_half) - min(second_half)) / second_half[0]
    print(f"  second half of the run: {_mib(second_half[0])} -> {_mib(second_half[-1])} "
          f"({figures['second_half_growth']:+.1%}; spread {figures['second_half_spread']:.1%})")
    print("  RSS every minute: " + ", ".join(_mib(rss) for at, rss in samples if int(at) % 60 < SAMPLE_SECONDS))
    return figures


if __name__ == "__main__":
    run()
