"""What the Kafka event source tests share: one tansu broker per test session
(``tests/support/kafka_broker.py``), a function that reports every event it
receives to an SQS queue, and helpers to read those events and the mapping.

The broker is the ``kafka_broker`` fixture (``conftest.py``). The function (``REPORTER``) sends each event to the queue named by ``RESULTS``
and raises on a record whose value is ``poison``; with ``PARTIAL=1`` it
answers a ``batchItemFailures`` entry for each record whose value is
``retry-me`` (Kafka's itemIdentifier: topic-partition and offset).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

import boto3
from tests.integration.lambda_.conftest import python_zip
from tests.support.kafka_broker import KafkaBroker
from tests.support.polling import unique, wait_until

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"

REPORTER = '''
import base64, json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(event))
    failures = []
    for key, records in event.get("records", {}).items():
        for record in records:
            value = base64.b64decode(record.get("value") or "")
            if value == b"poison":
                raise RuntimeError("poison record")
            if value == b"retry-me" and os.environ.get("PARTIAL"):
                failures.append({"itemIdentifier": {"partition": key, "offset": record["offset"]}})
    return {"batchItemFailures": failures}
'''


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Harness:
    """Clients of one gateway, a reporting function and its results queue."""

    def __init__(self, url: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id="test",
                                aws_secret_access_key="test")

        self.url = url
        self.lam, self.sqs, self.kafka = client("lambda"), client("sqs"), client("kafka")

    def queue(self, name: Optional[str] = None) -> tuple[str, str]:
        """(URL, ARN) of a new queue."""
        url = self.sqs.create_queue(QueueName=name or unique("q"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def reporter(self, partial: bool = False) -> tuple[str, str]:
        """A function reporting its events: (function name, results queue URL)."""
        results, _ = self.queue(unique("results"))
        name = unique("kafka-fn")
        variables = {"RESULTS": results, **({"PARTIAL": "1"} if partial else {})}
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                 Code={"ZipFile": python_zip(REPORTER)}, Environment={"Variables": variables},
                                 Timeout=30)
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1})
        return name, results

    def messages(self, queue_url: str, count: int, timeout: float = 20.0) -> list[Any]:
        """The next ``count`` JSON bodies of the queue (fails if fewer arrive)."""
        found: list[Any] = []

        def enough() -> bool:
            answer = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            return len(found) >= count

        wait_until(enough, timeout=timeout, interval=0, message=f"{count} message(s) in {queue_url}")
        return found

    def nothing_more(self, queue_url: str, seconds: float = 1.5) -> None:
        """No further message arrives within ``seconds`` (after a condition said all had been handled)."""
        answer = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                          WaitTimeSeconds=max(1, int(seconds)))
        assert answer.get("Messages", []) == [], [m["Body"] for m in answer.get("Messages", [])]

    def mapping(self, uuid_: str) -> dict:
        return self.lam.get_event_source_mapping(UUID=uuid_)

    def result_becomes(self, uuid_: str, expected: str, timeout: float = 15.0) -> dict:
        return wait_until(lambda: (lambda m: m if m.get("LastProcessingResult") == expected else None)(
            self.mapping(uuid_)), timeout=timeout, message=f"LastProcessingResult {expected!r}")

    def self_managed(self, function: str, broker: KafkaBroker, topic: str, **kwargs: Any) -> dict:
        kwargs.setdefault("StartingPosition", "TRIM_HORIZON")
        return self.lam.create_event_source_mapping(
            FunctionName=function, Topics=[topic],
            SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [broker.bootstrap]}}, **kwargs)


def records_of(events: list[dict]) -> list[dict]:
    """Every record of the events, in delivery order."""
    return [record for event in events for records in event["records"].values() for record in records]


def values_of(events: list[dict]) -> list[bytes]:
    return [base64.b64decode(record.get("value") or "") for record in records_of(events)]
