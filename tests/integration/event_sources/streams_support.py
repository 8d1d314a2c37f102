"""What the Kinesis and DynamoDB Streams tests share: clients, a function that
reports every event it gets to an SQS queue, and a reader of those reports.

The function (``REPORTER``) sends ``{"event", "started", "requestId"}`` to the
queue ``RESULTS`` (at ``RESULTS_ENDPOINT`` when set, else the gateway it runs
in), then:

- raises when a record's payload is ``poison`` (Kinesis ``data``, DynamoDB
  ``NewImage.data.S``);
- answers ``batchItemFailures`` naming each record whose payload is ``fail-item``;
- with tumbling windows, answers ``{"state": {"count": <records so far>}}``;
- else answers ``ANSWER`` (JSON) when set, or ``{}``;
- sleeps ``PAUSE`` seconds first when set (to make batches overlap).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Optional

import boto3
from botocore.config import Config as BotoConfig

from tests.integration.lambda_.conftest import python_zip, wait_active
from tests.support.polling import unique, wait_until

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/stream-reader"

REPORTER = '''
import base64, json, os, time
import boto3

_sqs = boto3.client("sqs", endpoint_url=os.environ.get("RESULTS_ENDPOINT") or None)


def _payload(record):
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode("utf-8", "replace")
    return ((record.get("dynamodb") or {}).get("NewImage") or {}).get("data", {}).get("S", "")


def _sequence(record):
    if "kinesis" in record:
        return record["kinesis"]["sequenceNumber"]
    return record["dynamodb"]["SequenceNumber"]


def handler(event, context):
    started = time.time()
    _sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps(
        {"event": event, "started": started, "requestId": context.aws_request_id}))
    if os.environ.get("PAUSE"):
        time.sleep(float(os.environ["PAUSE"]))
    records = event.get("Records") or []
    payloads = [_payload(record) for record in records]
    if "poison" in payloads:
        raise RuntimeError("a poison record")
    failures = [{"itemIdentifier": _sequence(record)} for record, payload in zip(records, payloads)
                if payload == "fail-item"]
    if failures:
        return {"batchItemFailures": failures}
    if "state" in event:
        return {"state": {"count": (event["state"] or {}).get("count", 0) + len(records)}}
    if os.environ.get("ANSWER"):
        return json.loads(os.environ["ANSWER"])
    return {}
'''


def data_of(record: dict[str, Any]) -> str:
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode("utf-8", "replace")
    return ((record.get("dynamodb") or {}).get("NewImage") or {}).get("data", {}).get("S", "")


class Clients:
    def __init__(self, url: str, region: str = REGION) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id="test",
                                aws_secret_access_key="test",
                                config=BotoConfig(retries={"max_attempts": 1}, read_timeout=60))

        self.url = url
        self.lam = client("lambda")
        self.kinesis = client("kinesis")
        self.dynamodb = client("dynamodb")
        self.streams = client("dynamodbstreams")
        self.sqs = client("sqs")
        self.sns = client("sns")
        self.s3 = client("s3")
        self._functions: dict[tuple, str] = {}

    # Sources and destinations -------------------------------------------------------------------
    def stream(self, shards: int = 1) -> tuple[str, str]:
        """A new Kinesis stream: (name, ARN)."""
        name = unique("stream")
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        summary = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        return name, summary["StreamARN"]

    def table(self, view: str = "NEW_AND_OLD_IMAGES", key: str = "pk") -> tuple[str, str]:
        """A new table with a stream: (name, stream ARN)."""
        name = unique("table")
        described = self.dynamodb.create_table(
            TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        return name, described["TableDescription"]["LatestStreamArn"]

    def queue(self) -> tuple[str, str]:
        """A new SQS queue: (URL, ARN)."""
        url = self.sqs.create_queue(QueueName=unique("queue"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def messages(self, url: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The next ``count`` message bodies of a queue (JSON), deleted."""
        found: list[dict[str, Any]] = []

        def received() -> bool:
            for message in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                    WaitTimeSeconds=1).get("Messages", []):
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return len(found) >= count

        wait_until(received, timeout=timeout, interval=0, message=f"{count} messages in {url}")
        return found

    # Functions and mappings -------------------------------------------------------------------------
    def reporter(self, results_url: str, **env: str) -> str:
        """The reporting function for these settings (made once, Active)."""
        key = (results_url, tuple(sorted(env.items())))
        if key not in self._functions:
            name = unique("reporter")
            self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                     Code={"ZipFile": python_zip(REPORTER)}, Timeout=30,
                                     Environment={"Variables": {"RESULTS": results_url, **env}})
            wait_active(self.lam, name)
            self._functions[key] = name
        return self._functions[key]

    def mapping(self, function: str, source_arn: str, **settings: Any) -> str:
        """A new mapping, once Enabled: its UUID."""
        settings.setdefault("StartingPosition", "TRIM_HORIZON")
        uuid_ = self.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=source_arn,
                                                      **settings)["UUID"]
        self.state_becomes(uuid_, "Enabled")
        return uuid_

    def state_becomes(self, uuid_: str, state: str, timeout: float = 20.0) -> dict[str, Any]:
        def reached() -> Optional[dict[str, Any]]:
            mapping = self.lam.get_event_source_mapping(UUID=uuid_)
            return mapping if mapping["State"] == state else None

        return wait_until(reached, timeout=timeout, message=f"mapping {uuid_} {state}")


class Reports:
    """What the reporting functions sent to one results queue, by event source."""

    def __init__(self, clients: Clients, url: str) -> None:
        self.clients = clients
        self.url = url
        self._reports: list[dict[str, Any]] = []

    def _drain(self, wait: int = 1) -> None:
        sqs = self.clients.sqs
        for message in sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=wait).get("Messages", []):
            self._reports.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, source_arn: str) -> list[dict[str, Any]]:
        """Reports of events from ``source_arn`` received so far, in the order the function started."""
        self._drain(wait=0)
        found = [report for report in self._reports if _source_of(report["event"]) == source_arn]
        return sorted(found, key=lambda report: report["started"])

    def events(self, source_arn: str, done: Callable[[list[dict[str, Any]]], bool],
               timeout: float = 20.0) -> list[dict[str, Any]]:
        """Events from ``source_arn`` once ``done(events)`` holds."""
        def ready() -> Optional[list[dict[str, Any]]]:
            self._drain()
            events = [report["event"] for report in self.of(source_arn)]
            return events if done(events) else None

        return wait_until(ready, timeout=timeout, interval=0, message=f"events of {source_arn}")

    def records(self, source_arn: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The first ``count`` records delivered from ``source_arn`` (in delivery order)."""
        events = self.events(source_arn, lambda events: sum(len(e.get("Records", [])) for e in events) >= count,
                             timeout)
        return [record for event in events for record in event.get("Records", [])]


def _source_of(event: dict[str, Any]) -> Optional[str]:
    records = event.get("Records") or []
    if records:
        return records[0].get("eventSourceARN")
    return event.get("eventSourceARN")  # a tumbling window's final invocation


def start_aging(url: str) -> dict[str, Any]:
    """A poison record in a new stream, mapped with MaximumRecordAgeInSeconds 60
    and endless retries to a function that fails on it, discarded records to an
    SQS queue (see the ``aged_kinesis_record`` fixture)."""
    clients = Clients(url)
    results, _ = clients.queue()
    function = clients.reporter(results)
    name, arn = clients.stream()
    destination_url, destination_arn = clients.queue()
    put = clients.kinesis.put_record(StreamName=name, Data=b"poison", PartitionKey="old")
    clients.mapping(function, arn, MaximumRecordAgeInSeconds=60, MaximumRetryAttempts=-1,
                    DestinationConfig={"OnFailure": {"Destination": destination_arn}})
    return {"stream": arn, "sequence": put["SequenceNumber"], "destination": destination_url}


def end_runtimes_of(results_url: str) -> None:
    """Runtimes of a killed gateway outlive it (``kill -9`` reaches only the gateway):
    end those of the reporting functions sending to ``results_url``."""
    import psutil

    for process in psutil.process_iter():
        try:
            if process.environ().get("RESULTS") == results_url:
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
