"""SQS event source mappings through a real gateway: boto3 sends to the
companion SQS, real Python functions get the messages as AWS delivers them.

Expected shapes: AWS's "Using Lambda with Amazon SQS" examples and the events
AWS delivered in test_lambda_integration_sqs.snapshot.json (LocalStack's
recordings of AWS; ``AWS_RECORD`` below is the record of
``test_message_body_and_attributes_passed_correctly``, values elided).
"""

from __future__ import annotations

import base64
import hashlib
import json

import requests

from .sqs_support import bodies, delivered, wait_until

AWS_RECORD = {
    "messageId": "<uuid:1>",
    "receiptHandle": "<receipt-handle:2>",
    "body": "{\"destination\": \"<queue-url:1>\", \"fail_attempts\": 0}",
    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "timestamp", "SenderId": "sender-id",
                   "ApproximateFirstReceiveTimestamp": "timestamp"},
    "messageAttributes": {"WeeksOn": {"stringValue": "6", "stringListValues": [], "binaryListValues": [],
                                      "dataType": "Number"}},
    "md5OfMessageAttributes": "d25a6aea97eb8f585bfa92d314504a92",
    "md5OfBody": "<md5-of-body:1>",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:<partition>:sqs:<region>:111111111111:<resource:1>",
    "awsRegion": "<region>",
}


def test_messages_reach_the_function_as_aws_builds_the_records(clients, reports, reporter):
    url, arn = clients.queue()
    uuid_ = clients.mapping(reporter, arn, BatchSize=1)
    # The message attributes of AWS's recorded event: the same MD5 comes out.
    attributes = {"Title": {"DataType": "String", "StringValue": "The Whistler"},
                  "Author": {"DataType": "String", "StringValue": "John Grisham"},
                  "WeeksOn": {"DataType": "Number", "StringValue": "6"}}
    sent = clients.sqs.send_message(QueueUrl=url, MessageBody='{"order": 1}', MessageAttributes=attributes)
    record = reports.records(arn, 1)[0]
    assert list(record) == list(AWS_RECORD)
    assert list(record["attributes"]) == list(AWS_RECORD["attributes"])
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"order": 1}'
    assert record["md5OfBody"] == hashlib.md5(b'{"order": 1}').hexdigest() == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == AWS_RECORD["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert int(record["attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(record["attributes"]["SentTimestamp"])
    assert record["messageAttributes"] == {
        "Title": {"stringValue": "The Whistler", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "Author": {"stringValue": "John Grisham", "stringListValues": [], "binaryListValues": [],
                   "dataType": "String"},
        "WeeksOn": AWS_RECORD["messageAttributes"]["WeeksOn"],
    }
    assert {key: record[key] for key in ("eventSource", "eventSourceARN", "awsRegion")} == {
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1"}
    clients.empties(url)  # deleted once the function succeeded
    mapping = clients.lam.get_event_source_mapping(UUID=uuid_)
    assert "LastProcessingResult" not in mapping  # SQS mappings report none, as on AWS

    # A binary attribute arrives base64-encoded.
    clients.sqs.send_message(QueueUrl=url, MessageBody="binary", MessageAttributes={
        "Cover": {"DataType": "Binary", "BinaryValue": b"\x00\xff image"}})
    assert reports.records(arn, 2)[1]["messageAttributes"] == {"Cover": {
        "binaryValue": base64.b64encode(b"\x00\xff image").decode(), "stringListValues": [], "binaryListValues": [],
        "dataType": "Binary"}}
    # Without message attributes (and without a batching window) the record has no md5OfMessageAttributes.
    clients.sqs.send_message(QueueUrl=url, MessageBody="plain")
    record = reports.records(arn, 3)[2]
    assert list(record) == [key for key in AWS_RECORD if key != "md5OfMessageAttributes"]
    assert record["messageAttributes"] == {}


def test_bodies_reach_the_function_as_they_were_sent(clients, reports, reporter):
    url, arn = clients.queue()
    clients.mapping(reporter, arn, BatchSize=1)
    sent = ["{not json", "[1, 2", '"a json string"', "42", "  ", "é中文 \t\r\n 🚀", "<xml>&amp;</xml>"]
    for body in sent:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    records = reports.records(arn, len(sent))
    assert sorted(record["body"] for record in records) == sorted(sent)
    for record in records:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    clients.empties(url)


def test_a_batching_window_gathers_one_batch(clients, reports, reporter):
    url, arn = clients.queue()
    clients.mapping(reporter, arn, BatchSize=50, MaximumBatchingWindowInSeconds=2)
    sent = [f"windowed-{index}" for index in range(25)]
    for offset in range(0, 25, 10):
        clients.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(sent[offset:offset + 10])])
    found = reports.until(arn, lambda found: len(delivered(found)) >= 25)
    assert len(found) == 1 and sorted(bodies(found)) == sorted(sent)  # one invocation, within the window
    # With a window, a record without message attributes says so with null (AWS-recorded events).
    assert all(record["md5OfMessageAttributes"] is None for record in delivered(found))
    clients.empties(url)


def test_a_large_batch_size_takes_a_backlog_in_one_invocation(clients, reports, reporter):
    url, arn = clients.queue()
    sent = [f"backlog-{index}" for index in range(300)]
    for offset in range(0, 300, 10):
        clients.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(sent[offset:offset + 10])])
    clients.mapping(reporter, arn, BatchSize=10000, MaximumBatchingWindowInSeconds=3)
    found = reports.until(arn, lambda found: len(delivered(found)) >= 300)
    assert len(found) == 1 and sorted(bodies(found)) == sorted(sent)
    clients.empties(url)


def test_batches_stay_under_the_6_mb_payload_limit(clients, reports, reporter):
    url, arn = clients.queue()
    big = "x" * 250_000
    sent = [f"{index:03d}{big}" for index in range(30)]  # 7.5 MB of bodies
    for body in sent:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    clients.mapping(reporter, arn, BatchSize=100, MaximumBatchingWindowInSeconds=2)
    found = reports.until(arn, lambda found: len(delivered(found)) >= 30)
    assert len(found) >= 2
    assert all(report["size"] <= 6 * 1024 * 1024 for report in found)
    assert sorted(record["body"][:3] for record in delivered(found)) == [f"{index:03d}" for index in range(30)]
    clients.empties(url)


def test_messages_no_filter_matches_are_deleted_undelivered(clients, reports, reporter):
    url, arn = clients.queue()
    clients.mapping(reporter, arn, FilterCriteria={"Filters": [
        {"Pattern": json.dumps({"body": {"kind": ["keep"]}})},
        {"Pattern": json.dumps({"body": [{"prefix": "text-keep"}]})},
    ]})
    for body in ['{"kind": "drop"}', "text-drop", '{"kind": "keep"}', "text-keep-me", "{broken json"]:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    clients.empties(url)  # the unmatched are deleted too, not left to come back
    found = reports.of(arn, wait=1)
    assert sorted(bodies(found)) == ['text-keep-me', '{"kind": "keep"}']


def test_a_disabled_mapping_leaves_messages_until_enabled(clients, reports, reporter):
    url, arn = clients.queue()
    uuid_ = clients.mapping(reporter, arn)
    clients.sqs.send_message(QueueUrl=url, MessageBody="while enabled")
    assert [record["body"] for record in reports.records(arn, 1)] == ["while enabled"]
    clients.lam.update_event_source_mapping(UUID=uuid_, Enabled=False)
    clients.state_becomes(uuid_, "Disabled")
    clients.sqs.send_message(QueueUrl=url, MessageBody="while disabled")
    wait_until(lambda: clients.counts(url) == (1, 0), message="the message waiting in the queue")
    assert bodies(reports.of(arn, wait=1)) == ["while enabled"]  # nothing delivered meanwhile
    clients.lam.update_event_source_mapping(UUID=uuid_, Enabled=True)
    clients.state_becomes(uuid_, "Enabled")
    assert [record["body"] for record in reports.records(arn, 2)] == ["while enabled", "while disabled"]
    clients.empties(url)


def test_an_update_takes_effect_without_waiting_for_the_long_poll(clients, reports, reporter):
    other = clients.reporter(reports.url)
    url, arn = clients.queue()
    uuid_ = clients.mapping(reporter, arn)  # its poller now waits in a 20 s long poll
    clients.lam.update_event_source_mapping(UUID=uuid_, FunctionName=other)
    clients.state_becomes(uuid_, "Enabled")
    clients.sqs.send_message(QueueUrl=url, MessageBody="after the update")
    found = reports.until(arn, lambda found: len(found) >= 1, timeout=10)
    assert [(report["function"], bodies([report])) for report in found] == [(other, ["after the update"])]
    clients.empties(url)


def test_a_deleted_queue_leaves_the_mapping_enabled_and_polling_resumes(clients, reports, reporter, gateway):
    url, arn = clients.queue()
    uuid_ = clients.mapping(reporter, arn)
    clients.sqs.delete_queue(QueueUrl=url)
    wait_until(lambda: f"event source mapping {uuid_}: queue {arn} does not exist" in gateway.logs())
    mapping = clients.lam.get_event_source_mapping(UUID=uuid_)
    assert (mapping["State"], mapping["StateTransitionReason"]) == ("Enabled", "USER_INITIATED")
    assert "LastProcessingResult" not in mapping
    assert requests.get(f"{gateway.url}/_gateway/health", timeout=10).status_code == 200
    name = arn.rsplit(":", 1)[1]
    url = clients.sqs.create_queue(QueueName=name)["QueueUrl"]
    clients.sqs.send_message(QueueUrl=url, MessageBody="to the new queue")
    assert [record["body"] for record in reports.records(arn, 1, timeout=30)] == ["to the new queue"]
    assert f"event source mapping {uuid_}: queue {arn} exists again" in gateway.logs()

