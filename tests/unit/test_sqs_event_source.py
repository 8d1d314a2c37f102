"""The SQS poller's pure parts: records in AWS's shape, and which messages an
answer leaves in the queue (AWS's "Reporting batch item failures" conditions)."""

from __future__ import annotations

import json

import pytest

from providers.lambda_.event_sources.sqs.records import build_record, event_payload, payload_size
from providers.lambda_.event_sources.sqs.responses import failed_ids

ARN = "arn:aws:sqs:us-east-1:000000000000:orders"


def message(message_id: str, body: str = "b", group: str = "", **extra) -> dict:
    attributes = {"SenderId": "AID", "ApproximateFirstReceiveTimestamp": "2", "SentTimestamp": "1",
                  "ApproximateReceiveCount": "1"}
    if group:
        attributes.update(MessageGroupId=group, SequenceNumber="18", MessageDeduplicationId="d")
    return {"MessageId": message_id, "ReceiptHandle": f"h-{message_id}", "MD5OfBody": "m", "Body": body,
            "Attributes": attributes, **extra}


def records(*ids: str, group: str = "") -> list:
    return [build_record(message(i, group=group), ARN, "us-east-1", False) for i in ids]


def test_a_record_lists_its_members_and_attributes_in_aws_order():
    record = build_record(message("1", group="g", MessageAttributes={
        "b": {"DataType": "Binary", "BinaryValue": b"\x01"}}, MD5OfMessageAttributes="x"), ARN, "us-east-1", False)
    assert list(record.record) == ["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                                   "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"]
    assert list(record.record["attributes"]) == ["ApproximateReceiveCount", "SentTimestamp", "SequenceNumber",
                                                 "MessageGroupId", "SenderId", "MessageDeduplicationId",
                                                 "ApproximateFirstReceiveTimestamp"]
    assert record.record["messageAttributes"] == {"b": {"binaryValue": "AQ==", "stringListValues": [],
                                                        "binaryListValues": [], "dataType": "Binary"}}
    assert json.loads(record.encoded) == record.record
    assert record.group_id == "g"


def test_md5_of_message_attributes_is_null_only_with_a_window():
    assert "md5OfMessageAttributes" not in build_record(message("1"), ARN, "us-east-1", False).record
    assert build_record(message("1"), ARN, "us-east-1", True).record["md5OfMessageAttributes"] is None


def test_the_payload_is_the_records_joined_and_its_size_known_ahead():
    batch = records("1", "2")
    payload = event_payload(batch)
    assert json.loads(payload) == {"Records": [r.record for r in batch]}
    assert len(payload) == payload_size(sum(len(r.encoded) for r in batch), len(batch))


def test_a_lone_surrogate_in_a_body_is_escaped():
    record = build_record(message("1", body="a\ud800b"), ARN, "us-east-1", False)
    assert b"\\ud800" in record.encoded


@pytest.mark.parametrize("answer", [b"", b"null", b"{}", b'{"batchItemFailures": []}',
                                    b'{"batchItemFailures": null}', b'{"statusCode": 200}'])
def test_answers_that_succeed_the_whole_batch(answer):
    assert failed_ids(None, answer, records("1", "2"), True, False) == set()


@pytest.mark.parametrize("answer", [
    b"not json", b'"a string"', b"[]", b"42", b'{"batchItemFailures": "1"}', b'{"batchItemFailures": {}}',
    b'{"batchItemFailures": [{"foo": "1"}]}', b'{"batchItemFailures": [{"itemIdentifier": ""}]}',
    b'{"batchItemFailures": [{"itemIdentifier": null}]}', b'{"batchItemFailures": [{"itemIdentifier": 1}]}',
    b'{"batchItemFailures": [{"itemIdentifier": "3"}]}', b'{"batchItemFailures": ["1"]}',
])
def test_answers_that_fail_the_whole_batch(answer):
    assert failed_ids(None, answer, records("1", "2"), True, False) == {"1", "2"}


def test_a_partial_answer_keeps_what_it_names():
    assert failed_ids(None, b'{"batchItemFailures": [{"itemIdentifier": "2"}]}', records("1", "2", "3"),
                      True, False) == {"2"}


def test_without_report_batch_item_failures_the_answer_is_not_read():
    assert failed_ids(None, b"not json", records("1"), False, False) == set()
    assert failed_ids("Unhandled", b"{}", records("1", "2"), False, False) == {"1", "2"}
    assert failed_ids("Unhandled", b"{}", records("1"), True, False) == {"1"}


def test_fifo_a_failure_keeps_the_rest_of_its_group():
    batch = [build_record(message(i, group=g), ARN, "us-east-1", False)
             for i, g in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("a3", "A"), ("b2", "B")]]
    answer = b'{"batchItemFailures": [{"itemIdentifier": "a2"}]}'
    assert failed_ids(None, answer, batch, True, True) == {"a2", "a3"}
    assert failed_ids(None, answer, batch, True, False) == {"a2"}
