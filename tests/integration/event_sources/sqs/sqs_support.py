"""What the SQS event source tests share: clients, queues, mappings that are
removed after each test, and a function that reports every event it gets.

The function (``REPORTER``) reads each record's body as a directive when it is
a JSON object, and then:

- sleeps ``pause`` seconds (the largest of the batch);
- raises, failing the whole batch, for ``{"fail": "always"}``, and for
  ``{"fail": "once"}`` on the message's first receive;
- reports the message in ``batchItemFailures`` for ``{"fail": "item-once"}`` on its first receive;
- answers ``answer`` as it is for ``{"answer": ...}`` on the first receive;
- else answers ``{}``.

Before answering it sends ``{"event", "size", "started", "ended", "raised",
"failed", "function"}`` to the queue in its ``RESULTS`` variable (an event over 200 KB is
reported by its records' ids, bodies' first 100 characters and attributes).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

import boto3
from botocore.config import Config as BotoConfig

from tests.integration.lambda_.conftest import python_zip, wait_active
from tests.support.polling import unique, wait_until

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/sqs-reader"

REPORTER = '''
import json, os, time
import boto3

_sqs = boto3.client("sqs")


def _directive(record):
    try:
        body = json.loads(record["body"])
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def handler(event, context):
    started = time.time()
    records = event.get("Records") or []
    directives = [_directive(record) for record in records]
    firsts = [record["attributes"]["ApproximateReceiveCount"] == "1" for record in records]
    pause = max([float(d.get("pause", 0)) for d in directives] or [0])
    if pause:
        time.sleep(pause)
    raised = any(d.get("fail") == "always" or (d.get("fail") == "once" and first)
                 for d, first in zip(directives, firsts))
    failed = [record["messageId"] for record, d, first in zip(records, directives, firsts)
              if d.get("fail") == "item-once" and first]
    answers = [d["answer"] for d, first in zip(directives, firsts) if "answer" in d and first]
    size = len(json.dumps(event))
    reported = event if size < 200000 else {"Records": [
        {"messageId": r["messageId"], "eventSourceARN": r["eventSourceARN"], "body": r["body"][:100],
         "attributes": r["attributes"]} for r in records]}
    _sqs.send_message(QueueUrl=os.environ["RESULTS"], MessageBody=json.dumps({
        "event": reported, "size": size, "started": started, "ended": time.time(), "raised": raised,
        "failed": failed, "function": context.function_name}))
    if raised:
        raise RuntimeError("failing on purpose")
    if answers:
        return answers[0]
    if failed:
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    return {}
'''


def directive(**members: Any) -> str:
    return json.dumps(members)


class Clients:
    def __init__(self, url: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id="test",
                                aws_secret_access_key="test",
                                config=BotoConfig(retries={"max_attempts": 1}, read_timeout=60))

        self.url = url
        self.lam = client("lambda")
        self.sqs = client("sqs")
        self.mappings: list[str] = []

    def queue(self, fifo: bool = False, **attributes: str) -> tuple[str, str]:
        """A new queue: (URL, ARN)."""
        name = unique("source") + (".fifo" if fifo else "")
        if fifo:
            attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true", **attributes}
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, self.arn(url)

    def arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def counts(self, url: str) -> tuple[int, int]:
        """(messages waiting, messages in flight)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def empties(self, url: str, timeout: float = 20.0) -> None:
        wait_until(lambda: self.counts(url) == (0, 0), timeout=timeout, message=f"{url} empty")

    def reporter(self, results_url: str, **settings: Any) -> str:
        """A new reporting function, Active."""
        name = unique("reporter")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                 Code={"ZipFile": python_zip(REPORTER)}, Timeout=30,
                                 Environment={"Variables": {"RESULTS": results_url}}, **settings)
        wait_active(self.lam, name)
        return name

    def mapping(self, function: str, source_arn: str, **settings: Any) -> str:
        """A new mapping (removed after the test), once Enabled: its UUID."""
        uuid_ = self.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=source_arn,
                                                      **settings)["UUID"]
        self.mappings.append(uuid_)
        self.state_becomes(uuid_, "Enabled")
        return uuid_

    def state_becomes(self, uuid_: str, state: str, timeout: float = 20.0) -> dict[str, Any]:
        def reached() -> Optional[dict[str, Any]]:
            mapping = self.lam.get_event_source_mapping(UUID=uuid_)
            return mapping if mapping["State"] == state else None

        return wait_until(reached, timeout=timeout, message=f"mapping {uuid_} {state}")

    def remove_mappings(self) -> None:
        for uuid_ in self.mappings:
            try:
                self.lam.delete_event_source_mapping(UUID=uuid_)
            except self.lam.exceptions.ResourceNotFoundException:
                pass
        self.mappings.clear()


class Reports:
    """What the reporting functions sent to one results queue, by event source."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self.url = clients.sqs.create_queue(QueueName=unique("results"))["QueueUrl"]
        self._reports: list[dict[str, Any]] = []

    def _drain(self, wait: int) -> None:
        sqs = self.clients.sqs
        for message in sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=wait).get("Messages", []):
            self._reports.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, source_arn: str, wait: int = 0) -> list[dict[str, Any]]:
        """Reports of events from ``source_arn`` so far, in the order their handlers started."""
        self._drain(wait)
        found = [report for report in self._reports
                 if (report["event"].get("Records") or [{}])[0].get("eventSourceARN") == source_arn]
        return sorted(found, key=lambda report: report["started"])

    def until(self, source_arn: str, done: Callable[[list[dict[str, Any]]], bool],
              timeout: float = 20.0) -> list[dict[str, Any]]:
        """The reports of ``source_arn`` once ``done(reports)`` holds."""
        def ready() -> Optional[list[dict[str, Any]]]:
            reports = self.of(source_arn, wait=1)
            return reports if done(reports) else None

        return wait_until(ready, timeout=timeout, interval=0, message=f"reports of {source_arn}")

    def records(self, source_arn: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The records delivered from ``source_arn`` once there are ``count``, in delivery order."""
        reports = self.until(source_arn, lambda found: len(delivered(found)) >= count, timeout)
        return delivered(reports)


def delivered(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for report in reports for record in report["event"].get("Records", [])]


def bodies(reports: list[dict[str, Any]]) -> list[str]:
    return [record["body"] for record in delivered(reports)]


def most_at_once(reports: list[dict[str, Any]]) -> int:
    """The most invocations that ran at the same moment."""
    moments = sorted([(report["started"], 1) for report in reports] + [(report["ended"], -1) for report in reports])
    running = most = 0
    for _, change in moments:
        running += change
        most = max(most, running)
    return most
