"""Lambda data plane, per runtime: cold start (create to first response, and
the first invoke after keep-alive expiry), warm invoke latency through boto3
and raw HTTP, throughput with 8 clients, and the gateway's overhead over the
bare runtime round trip (the same invocation handed to the runtime in-process)
— all measured in one run."""

from __future__ import annotations

import io
import json
import tempfile
import time
import zipfile
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

import boto3
from botocore.config import Config as BotoConfig

from gateway.config import Config
from providers.lambda_.invocation.models import Invocation
from providers.lambda_.invocation.service import InvocationService, InvokeTarget
from providers.lambda_.models import CodeInfo
from providers.lambda_.store import Stores
from tests.support.gateway_process import GatewayProcess

from .common import bare_server, median, percentile, signed_headers, timed, wrk

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RUNTIMES = {
    "python3.11": ("handler.py", "handler.handler", "def handler(event, context):\n    return event\n"),
    "nodejs20.x": ("index.js", "index.handler", "exports.handler = async (event) => event;\n"),
    "provided.al2023": (None, "handler", None),
}
BASH_BOOTSTRAP = """#!/bin/bash
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "$EVENT" >/dev/null
done
"""


def _zip(runtime: str) -> bytes:
    name, _, source = RUNTIMES[runtime]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if name is None:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            archive.writestr(info, BASH_BOOTSTRAP)
        else:
            archive.writestr(name, source)
    return buffer.getvalue()


def _client(url: str):
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                        config=BotoConfig(retries={"max_attempts": 0}, max_pool_connections=16))


def _in_process_round_trip(runtime: str, env: dict[str, str], samples: int = 300) -> float:
    """The bare runtime round trip: InvocationService straight to the runtime, no gateway HTTP."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    zip_path = workdir / "code.zip"
    zip_path.write_bytes(_zip(runtime))
    # No gateway here, so no companion STS: environments get the account as key (credentials.py).
    service = InvocationService(Config.from_env({**env, "SERVICES": "lambda"}), Stores(workdir / "state", False))
    target = InvokeTarget("000000000000", "us-east-1", "bare", "$LATEST",
                          {"Runtime": runtime, "Handler": RUNTIMES[runtime][1], "Timeout": 30, "RevisionId": "r"},
                          CodeInfo(sha256=f"bench-{runtime}", zip_path=str(zip_path)), gateway_port=1)
    try:
        service.invoke(target, Invocation(payload=b"{}"))
        return median(timed(lambda: service.invoke(target, Invocation(payload=b'{"a":1}')), samples))
    finally:
        service.shutdown()


def run(seconds: int = 4) -> dict[str, object]:
    figures: dict[str, object] = {}
    with bare_server(b'{"a":1}') as bare:
        bare_client = _client(bare)
        bare_boto = median(timed(lambda: bare_client.invoke(FunctionName="x", Payload=b'{"a":1}'), 300))
    print(f"bare boto3 invoke round trip (constant answer): p50 {bare_boto:.3f} ms")
    figures["bare_boto3_invoke_ms"] = bare_boto

    with ExitStack() as stack:
        for executor, (settings, runtimes) in _executors(stack).items():
            print(f"-- executor: {executor} --")
            figures[executor] = _measure(executor, bare_boto, seconds, settings, runtimes)
    return figures


def _executors(stack: ExitStack) -> dict[str, tuple[dict[str, str], list[str]]]:
    """The executors this machine can run, side by side: their settings and runtimes."""
    from providers.lambda_.executors.sandbox import unavailable_reason

    executors = {"process": ({}, list(RUNTIMES))}
    reason = unavailable_reason()
    if reason:
        print(f"(sandbox executor not measured: {reason})")
    else:
        executors["sandbox"] = ({}, list(RUNTIMES))
    docker = _docker(stack)
    if docker is not None:
        executors["docker"] = docker
    return executors


def _docker(stack: ExitStack) -> Optional[tuple[dict[str, str], list[str]]]:
    """The docker executor on the machine's engine (or a dockerd started for the
    bench), with stand-ins for AWS's images built from this machine's CPython and
    Node.js (AWS's cannot be pulled everywhere): python and node only, the bash and
    curl of the provided.* bootstrap are not in them."""
    import docker

    from tests.support.docker_engine import DockerEngine, EngineUnavailable
    from tests.support.docker_images import stand_in_image

    engine = DockerEngine()
    try:
        engine.start()
    except EngineUnavailable as unavailable:
        print(f"(docker executor not measured: {unavailable})")
        return None
    stack.callback(engine.stop)
    client = docker.DockerClient(base_url=engine.host, timeout=300)
    stack.callback(client.close)
    mapping = {}
    for runtime in RUNTIMES:
        image = None if runtime.startswith("provided") else stand_in_image(client, runtime)
        if image is not None:
            mapping[runtime] = image
    if not mapping:
        print("(docker executor not measured: no runtime of this machine to build an image from)")
        return None
    return {"DOCKER_HOST": engine.host, "LAMBDA_RUNTIME_IMAGE_MAPPING": json.dumps(mapping)}, list(mapping)


def _measure(executor: str, bare_boto: float, seconds: int, settings: dict[str, str],
             runtimes: list[str]) -> dict[str, object]:
    figures: dict[str, object] = {}
    env = {"LAMBDA_RUNTIME_EXECUTOR": executor, **settings}
    with GatewayProcess(env) as gateway, GatewayProcess({**env, "LAMBDA_KEEPALIVE_MS": "0"}) as cold_gateway:
        client = _client(gateway.url)
        cold_client = _client(cold_gateway.url)
        client.list_functions()  # the provider loads on a gateway's first Lambda request: not part of a cold start
        cold_client.list_functions()
        for url in (gateway.url, cold_gateway.url):  # nor is the companion STS's first load (it assumes roles)
            boto3.client("sts", endpoint_url=url, region_name="us-east-1").get_caller_identity()
        for runtime in runtimes:
            name = f"bench-{runtime.replace('.', '-')}"
            started = time.perf_counter()
            client.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=RUNTIMES[runtime][1],
                                   Code={"ZipFile": _zip(runtime)}, Timeout=30)
            while client.get_function_configuration(FunctionName=name)["State"] != "Active":
                time.sleep(0.002)
            first = client.invoke(FunctionName=name, Payload=b'{"a":1}')
            cold_create_ms = (time.perf_counter() - started) * 1000
            assert json.loads(first["Payload"].read()) == {"a": 1}, first

            cold_client.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=RUNTIMES[runtime][1],
                                        Code={"ZipFile": _zip(runtime)}, Timeout=30)
            cold_client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05})
            cold_client.invoke(FunctionName=name, Payload=b"{}")
            cold_samples = timed(lambda: cold_client.invoke(FunctionName=name, Payload=b'{"a":1}'), 10)

            warm = timed(lambda: client.invoke(FunctionName=name, Payload=b'{"a":1}'), 300)
            url = f"{gateway.url}/2015-03-31/functions/{name}/invocations"
            headers = signed_headers("lambda")
            raw1 = wrk(url, 1, seconds, headers, "POST", b'{"a":1}')
            # scale out first: steady state, not 8 cold starts (8 containers starting at once take seconds)
            wrk(url, 8, 15 if executor == "docker" else 1, headers, "POST", b'{"a":1}')
            raw8 = wrk(url, 8, seconds, headers, "POST", b'{"a":1}')
            bare_runtime = _in_process_round_trip(runtime, env)
            figures[runtime] = {
                "cold_create_to_first_response_ms": cold_create_ms,
                "cold_after_expiry_ms": median(cold_samples),
                "warm_boto3_p50_ms": median(warm),
                "warm_boto3_p99_ms": percentile(warm, 99),
                "raw_http_c1": raw1,
                "raw_http_c8": raw8,
                "bare_runtime_round_trip_ms": bare_runtime,
            }
            print(f"{runtime}:")
            print(f"  cold start: create -> first response {cold_create_ms:.0f} ms; "
                  f"invoke after keep-alive expiry p50 {median(cold_samples):.0f} ms")
            print(f"  warm boto3 invoke p50 {median(warm):.2f} ms p99 {percentile(warm, 99):.2f} ms "
                  f"(+{median(warm) - bare_boto:.2f} ms over a bare boto3 round trip)")
            print(f"  raw HTTP, 1 client:  {raw1}")
            print(f"  raw HTTP, 8 clients: {raw8}")
            print(f"  bare runtime round trip (in-process, no gateway HTTP) p50 {bare_runtime:.3f} ms; "
                  f"gateway overhead {raw1.p50_ms - bare_runtime:+.3f} ms at p50")
    return figures
