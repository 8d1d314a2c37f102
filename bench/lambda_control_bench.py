"""Lambda control plane at scale: CreateFunction, GetFunction and ListFunctions
(all pages) with 1,000 and 10,000 functions, and memory per 1,000 functions,
beside a bare boto3 round trip to a constant-answer server in the same run."""

from __future__ import annotations

import io
import random
import time
import zipfile

import boto3
import psutil
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

from .common import bare_server, median, percentile, timed

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _client(url: str):
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                        config=BotoConfig(retries={"max_attempts": 0}, max_pool_connections=4))


def _list_all(client) -> tuple[float, int, int]:
    """Milliseconds to list every function (all pages), the count, the pages."""
    started = time.perf_counter()
    count = pages = 0
    kwargs: dict = {}
    while True:
        page = client.list_functions(**kwargs)
        count += len(page["Functions"])
        pages += 1
        if "NextMarker" not in page:
            break
        kwargs["Marker"] = page["NextMarker"]
    return (time.perf_counter() - started) * 1000, count, pages


def run(sizes: tuple[int, ...] = (500, 1000, 10000)) -> dict[str, object]:
    figures: dict[str, object] = {}
    code = _zip()
    with bare_server() as bare:
        bare_client = _client(bare)
        bare_client.list_functions()
        bare_ms = median(timed(bare_client.list_functions, 500))
    print(f"bare boto3 round trip (constant answer): p50 {bare_ms:.3f} ms")
    figures["bare_boto3_ms"] = bare_ms

    with GatewayProcess({"LAMBDA_SYNCHRONOUS_CREATE": "0"}) as gateway:
        client = _client(gateway.url)
        client.list_functions()
        process = psutil.Process(gateway.process.pid)
        rss_before = process.memory_info().rss
        created = 0
        create_samples: list[float] = []
        for size in sizes:
            while created < size:
                name = f"bench-{created:05d}"
                started = time.perf_counter()
                client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                       Handler="handler.handler", Code={"ZipFile": code})
                if len(create_samples) < 2000:
                    create_samples.append((time.perf_counter() - started) * 1000)
                created += 1
            names = [f"bench-{random.randrange(size):05d}" for _ in range(500)]
            get_samples = timed(lambda: client.get_function(FunctionName=names.pop()), 500)
            list_ms, count, pages = min(_list_all(client) for _ in range(3))
            assert count == size, (count, size)
            rss = process.memory_info().rss
            per_thousand = (rss - rss_before) / 2**20 / size * 1000
            figures[f"n{size}"] = {
                "get_p50_ms": median(get_samples),
                "get_p99_ms": percentile(get_samples, 99),
                "list_all_ms": list_ms,
                "list_per_page_ms": list_ms / pages,
                "rss_mib_per_1000": per_thousand,
            }
            print(f"{size:6d} functions: GetFunction p50 {median(get_samples):.2f} ms p99 {percentile(get_samples, 99):.2f} ms;"
                  f" ListFunctions all {pages} pages {list_ms:.1f} ms ({list_ms / pages:.2f} ms/page);"
                  f" memory {per_thousand:.1f} MiB per 1,000 functions")
        figures["create_p50_ms"] = median(create_samples)
        figures["create_p99_ms"] = percentile(create_samples, 99)
        print(f"CreateFunction p50 {median(create_samples):.2f} ms p99 {percentile(create_samples, 99):.2f} ms "
              f"(first {len(create_samples)} creates)")
    figures["validate_create_us"] = _validation_us()
    print(f"validating a typical CreateFunction against the model: {figures['validate_create_us']:.1f} µs")
    return figures


def _validation_us(rounds: int = 2000) -> float:
    """The model-constraint check of one CreateFunction, in process (best of 5 rounds)."""
    from gateway.protocol.models import ServiceModels
    from gateway.protocol.validate import load_validator

    validator = load_validator(ServiceModels().get("lambda"))
    operation = validator.service_model.operation_model("CreateFunction")
    params = {
        "FunctionName": "my-function", "Runtime": "python3.12", "Role": "arn:aws:iam::000000000000:role/lambda-role",
        "Handler": "handler.handler", "Code": {"ZipFile": b"PK\x03\x04" + b"\0" * 64}, "Description": "a function",
        "Timeout": 30, "MemorySize": 256, "Publish": False,
        "Environment": {"Variables": {"LOG_LEVEL": "debug", "STAGE": "dev"}}, "Architectures": ["x86_64"],
        "Tags": {"team": "platform", "env": "dev"}, "TracingConfig": {"Mode": "PassThrough"},
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/aws/lambda/my-function"},
    }
    validator.validate(operation, params)  # compiled on first use
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            validator.validate(operation, params)
        best = min(best, (time.perf_counter() - started) / rounds)
    return best * 1e6
