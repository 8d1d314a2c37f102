"""Helpers shared by the control-plane tests of concurrency, invoke configs, URLs,
event source mappings, tags, code signing and settings: functions to configure,
unique names, and AWS errors as (code, message, status) tuples."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from typing import Any, Callable, Optional

from botocore.exceptions import ClientError

HANDLER = "def handler(event, context):\n    return event\n"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", HANDLER)
    return buffer.getvalue()


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until ``predicate()`` is truthy (and return it); fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def create_function(client: Any, name: Optional[str] = None, account: str = "000000000000", **kwargs: Any) -> str:
    """A python function, waited for until Active; returns its name."""
    name = name or unique("fn")
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::{account}:role/lambda-role",
        Handler="index.handler",
        Code={"ZipFile": handler_zip()},
        **kwargs,
    )
    wait_until(lambda: client.get_function_configuration(FunctionName=name)["State"] == "Active")
    return name


def publish_version(client: Any, name: str) -> str:
    version = client.publish_version(FunctionName=name)["Version"]
    wait_until(lambda: client.get_function_configuration(FunctionName=name, Qualifier=version)["State"] == "Active")
    return version


def error_or_none(call: Callable[..., Any], **kwargs: Any) -> Optional[tuple[str, str, int]]:
    """The AWS error ``call(**kwargs)`` answers, as (code, message, HTTP status), or None."""
    try:
        call(**kwargs)
    except ClientError as exc:
        response = exc.response
        return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]
    return None


def error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str, int]:
    """Like ``error_or_none``, failing the test when the call succeeds."""
    found = error_or_none(call, **kwargs)
    if found is None:
        raise AssertionError("expected an error")
    return found


def status(response: dict) -> int:
    return response["ResponseMetadata"]["HTTPStatusCode"]


# Event sources (the companion services, through the same gateway) ---------------------------
def create_queue(sqs: Any, name: Optional[str] = None) -> str:
    """An SQS queue; returns its ARN."""
    url = sqs.create_queue(QueueName=name or unique("queue"))["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def create_stream(kinesis: Any) -> str:
    """A one-shard Kinesis stream; returns its ARN."""
    name = unique("stream")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def create_table_stream(dynamodb: Any) -> str:
    """A DynamoDB table with a stream; returns the stream's ARN."""
    created = dynamodb.create_table(
        TableName=unique("table"),
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return created["TableDescription"]["LatestStreamArn"]


class EventSources:
    """Real queues, streams and table streams for event source mappings (AWS
    checks the source exists), in one account and region."""

    def __init__(self, client_factory: Callable[..., Any], region: str = "us-east-1", access_key: str = "test") -> None:
        self._make = lambda service: client_factory(service, region=region, access_key=access_key)
        self._clients: dict[str, Any] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._make(service)
        return self._clients[service]

    def queue(self, name: Optional[str] = None) -> str:
        return create_queue(self._client("sqs"), name)

    def stream(self) -> str:
        return create_stream(self._client("kinesis"))

    def table_stream(self) -> str:
        return create_table_stream(self._client("dynamodb"))
