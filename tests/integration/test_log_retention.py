"""CloudWatch Logs keeps bounded memory: more events than the bounds go in, the
oldest are gone, the newest are read back by GetLogEvents and FilterLogEvents
(providers/companions/log_retention.py). Through a real gateway started with
small bounds, real boto3 clients, and a real function whose output the gateway
ships."""

from __future__ import annotations

import time
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

from tests.integration.lambda_.conftest import create_function, python_zip, wait_until
from tests.support.gateway_process import GatewayProcess

PER_STREAM = 50
BUDGET = 60_000  # estimated bytes: message characters + 240 per event
EVENT_OVERHEAD = 240


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayProcess]:
    env = {"LOGS_MAX_EVENTS_PER_STREAM": str(PER_STREAM), "LOGS_RETENTION_BYTES": str(BUDGET)}
    with GatewayProcess(env=env) as process:
        yield process


def client(gateway: GatewayProcess, service: str = "logs") -> Any:
    return boto3.client(service, endpoint_url=gateway.url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def now_ms() -> int:
    return int(time.time() * 1000)


def put(logs: Any, group: str, stream: str, messages: list[str], start: int) -> None:
    events = [{"timestamp": start + index, "message": message} for index, message in enumerate(messages)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def read(logs: Any, group: str, stream: str) -> list[str]:
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    return [event["message"] for event in events]


def test_a_stream_keeps_its_newest_events(gateway: GatewayProcess) -> None:
    logs = client(gateway)
    logs.create_log_group(logGroupName="per-stream")
    logs.create_log_stream(logGroupName="per-stream", logStreamName="s")
    start = now_ms() - 10_000
    for batch in range(3):
        put(logs, "per-stream", "s", [f"line {n:03d}" for n in range(batch * 40, batch * 40 + 40)], start + batch * 40)
    kept = read(logs, "per-stream", "s")
    assert kept == [f"line {n:03d}" for n in range(120 - PER_STREAM, 120)]
    filtered = logs.filter_log_events(logGroupName="per-stream")["events"]
    assert [event["message"] for event in filtered] == kept
    described = logs.describe_log_streams(logGroupName="per-stream")["logStreams"][0]
    assert described["firstEventTimestamp"] == start + 120 - PER_STREAM


def test_all_groups_together_stay_within_the_budget(gateway: GatewayProcess) -> None:
    logs = client(gateway)
    logs.create_log_group(logGroupName="budget")
    message = "m" * 200
    start = now_ms() - 60_000
    for index in range(10):  # 10 streams x 40 events x 440 estimated bytes: three times the budget
        logs.create_log_stream(logGroupName="budget", logStreamName=f"s{index}")
        put(logs, "budget", f"s{index}", [f"{index}:{n:02d}:{message}" for n in range(40)], start + index * 1000)
    streams = {s["logStreamName"] for s in logs.describe_log_streams(logGroupName="budget")["logStreams"]}
    assert "s0" not in streams and "s9" in streams  # the oldest went, emptied streams with them
    kept = sum(len(read(logs, "budget", name)) for name in streams)
    assert 0 < kept * (len(message) + 6 + EVENT_OVERHEAD) <= BUDGET
    assert read(logs, "budget", "s9")[-1] == f"9:39:{message}"  # the newest is readable
    filtered = logs.filter_log_events(logGroupName="budget", logStreamNames=["s9"])["events"]
    assert [event["message"] for event in filtered] == read(logs, "budget", "s9")


def test_a_groups_retention_in_days_expires_older_events(gateway: GatewayProcess) -> None:
    logs = client(gateway)
    logs.create_log_group(logGroupName="retention")
    logs.create_log_stream(logGroupName="retention", logStreamName="s")
    three_days_ago = now_ms() - 3 * 86_400_000
    put(logs, "retention", "s", ["old 1", "old 2"], three_days_ago)
    put(logs, "retention", "s", ["recent"], now_ms() - 1000)
    assert read(logs, "retention", "s") == ["old 1", "old 2", "recent"]  # no policy: kept
    logs.put_retention_policy(logGroupName="retention", retentionInDays=1)
    assert read(logs, "retention", "s") == ["recent"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName="retention")["events"]] == ["recent"]


PRINTER = """
def handler(event, context):
    for n in range(event["lines"]):
        print(f"{event['tag']} line {n:03d}")
    return "ok"
"""


def test_function_output_is_bounded_and_keeps_arriving(gateway: GatewayProcess) -> None:
    lambda_client = client(gateway, "lambda")
    logs = client(gateway)
    name = create_function(lambda_client, zip_bytes=python_zip(PRINTER), handler="index.handler")
    group = f"/aws/lambda/{name}"

    def messages() -> list[str]:
        try:
            return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            return []

    lambda_client.invoke(FunctionName=name, Payload=b'{"lines": 300, "tag": "first"}')
    wait_until(lambda: any("first line 299" in m for m in messages()), timeout=30)
    kept = messages()
    assert len(kept) <= PER_STREAM  # one environment, one stream
    assert not any("first line 000" in m for m in kept)
    # Fill the budget elsewhere until the function's stream is trimmed away ...
    other = "x" * 500
    logs.create_log_group(logGroupName="filler")
    for index in range(4):  # newer than the function's lines, and more than the budget
        logs.create_log_stream(logGroupName="filler", logStreamName=f"f{index}")
        put(logs, "filler", f"f{index}", [other] * 40, now_ms() + index * 100)
    wait_until(lambda: not messages(), timeout=30)
    # ... and the same environment's next lines still arrive (its stream is created again).
    lambda_client.invoke(FunctionName=name, Payload=b'{"lines": 3, "tag": "second"}')
    wait_until(lambda: any("second line 002" in m for m in messages()), timeout=30)
