"""Memory of a large code upload (issue 8 point 8): one ``CreateFunction`` with a
45 MB ``ZipFile`` (incompressible, so about 60 MB of JSON on the wire), the
gateway's RSS sampled every 5 ms while it is served: the peak above the RSS
before, and what stays once it answered. A small create first loads the Lambda
provider and botocore, so the figures are the upload's own."""

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

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
MIB = 1024 * 1024
ZIP_BYTES = 45 * 1000 * 1000


def _zip(payload: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
        if payload:
            archive.writestr("blob.bin", os.urandom(payload))
    return buffer.getvalue()


class _Sampler:
    """The highest RSS of a process while it runs (5 ms sampling)."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.peak = process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> "_Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run() -> dict[str, float]:
    code = _zip(ZIP_BYTES)
    with GatewayProcess(env={"LAMBDA_SYNCHRONOUS_CREATE": "0"}) as gateway:
        client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1",
                              config=BotoConfig(retries={"max_attempts": 0}, read_timeout=300))
        client.create_function(FunctionName="warm-up", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                               Code={"ZipFile": _zip(0)})
        process = psutil.Process(gateway.process.pid)
        time.sleep(0.5)
        before = process.memory_info().rss
        started = time.perf_counter()
        with _Sampler(process) as sampler:
            client.create_function(FunctionName="large", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                   Code={"ZipFile": code})
        seconds = time.perf_counter() - started
        after = process.memory_info().rss
    figures = {
        "zip_mb": len(code) / 1e6,
        "rss_before_mib": before / MIB,
        "peak_growth_mib": (sampler.peak - before) / MIB,
        "retained_mib": (after - before) / MIB,
        "seconds": seconds,
    }
    print(f"CreateFunction with a {figures['zip_mb']:.1f} MB zip: peak RSS +{figures['peak_growth_mib']:.0f} MiB "
          f"(from {figures['rss_before_mib']:.0f} MiB), +{figures['retained_mib']:.0f} MiB after, "
          f"{figures['seconds']:.2f} s", flush=True)
    return figures


if __name__ == "__main__":
    run()
