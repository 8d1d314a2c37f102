"""The cost of durable ``Event`` invokes: 202 latency (1 client) and throughput
(8 clients) with ``PERSISTENCE=0`` (queued in memory) and ``PERSISTENCE=1``
(journaled and fsync'd before the 202, concurrent writers sharing one fsync),
measured in one run on the same disk (``DATA_DIR`` under the system's temporary
directory).

The function has reserved concurrency 0: each accepted event is journaled and
answered 202, then ends as AWS ends it (``ZeroReservedConcurrency``, no
destination here) without running, so the path up to the 202 is what is
measured, not the function's runs competing for the CPU.
"""

from __future__ import annotations

import io
import tempfile
import zipfile

import boto3
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

from .common import LoadResult, signed_headers, wrk

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
NAME = "event-bench"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _measure(persistence: bool, seconds: int) -> tuple[LoadResult, LoadResult]:
    with tempfile.TemporaryDirectory(prefix="event-bench-") as data_dir:
        env = {"SERVICES": "lambda", "PERSISTENCE": "1" if persistence else "0", "DATA_DIR": data_dir,
               "LAMBDA_ASYNC_RETRY_BASE_MS": "600000", "LAMBDA_SYNCHRONOUS_CREATE": "1"}
        with GatewayProcess(env=env) as gateway:
            client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1",
                                  config=BotoConfig(retries={"max_attempts": 0}))
            client.create_function(FunctionName=NAME, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                   Code={"ZipFile": _zip()})
            client.put_function_concurrency(FunctionName=NAME, ReservedConcurrentExecutions=0)
            url = f"{gateway.url}/2015-03-31/functions/{NAME}/invocations"
            headers = {**signed_headers("lambda"), "X-Amz-Invocation-Type": "Event",
                       "Content-Type": "application/json"}
            body = b'{"order": 12345, "items": ["a", "b", "c"]}'
            wrk(url, 1, 1, headers, "POST", body)  # warm up
            one = wrk(url, 1, seconds, headers, "POST", body)
            eight = wrk(url, 8, seconds, headers, "POST", body)
    return one, eight


def run(seconds: int = 4) -> dict[str, object]:
    figures: dict[str, object] = {}
    results = {}
    for persistence in (False, True):
        results[persistence] = _measure(persistence, seconds)
        label = "PERSISTENCE=1 (journaled)" if persistence else "PERSISTENCE=0 (memory)"
        one, eight = results[persistence]
        print(f"  Event invoke, {label:<26} 1 client: {one}", flush=True)
        print(f"  Event invoke, {label:<26} 8 clients: {eight}", flush=True)
    (memory_one, memory_eight), (durable_one, durable_eight) = results[False], results[True]
    figures["event_p50_ms"] = {"memory": memory_one.p50_ms, "durable": durable_one.p50_ms}
    figures["event_rps_8_clients"] = {"memory": memory_eight.rps, "durable": durable_eight.rps}
    print(f"  durable / memory: 1-client p50 x{durable_one.p50_ms / memory_one.p50_ms:.2f}, "
          f"8-client throughput x{durable_eight.rps / memory_eight.rps:.2f}", flush=True)
    return figures
