"""SQS messages as the records of Lambda's event, in AWS's shape.

From a ReceiveMessage message (``MessageSystemAttributeNames=["All"]``,
``MessageAttributeNames=["All"]``) to the record AWS's poller builds (AWS's
"Using Lambda with Amazon SQS" examples, standard and FIFO, and recorded
events, test_lambda_integration_sqs.snapshot.json)::

    {"messageId", "receiptHandle", "body",
     "attributes": {"ApproximateReceiveCount", ["AWSTraceHeader"], "SentTimestamp",
                    ["SequenceNumber", "MessageGroupId"], "SenderId", ["MessageDeduplicationId"],
                    "ApproximateFirstReceiveTimestamp"},
     "messageAttributes": {name: {"stringValue" | "binaryValue" (base64),
                                  "stringListValues": [], "binaryListValues": [], "dataType"}},
     ["md5OfMessageAttributes"], "md5OfBody", "eventSource": "aws:sqs", "eventSourceARN", "awsRegion"}

The body is passed as SQS holds it, whatever it is (JSON or not).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

# The order AWS's records list the system attributes in; those a message lacks are left out.
ATTRIBUTE_ORDER = (
    "ApproximateReceiveCount", "AWSTraceHeader", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
    "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp",
)
_ABSENT = object()


@dataclass
class Record:
    """One received message: its record, the record's JSON (as it goes into the event) and what deleting it needs."""

    message_id: str
    receipt_handle: str
    group_id: str
    record: dict[str, Any]
    encoded: bytes


def build_record(message: dict[str, Any], queue_arn: str, region: str, md5_of_attributes_always: bool) -> Record:
    attributes = message.get("Attributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {name: attributes[name] for name in ATTRIBUTE_ORDER if name in attributes},
        "messageAttributes": {name: _attribute(value)
                              for name, value in (message.get("MessageAttributes") or {}).items()},
    }
    md5_of_attributes = message.get("MD5OfMessageAttributes", _ABSENT)
    if md5_of_attributes is not _ABSENT or md5_of_attributes_always:
        record["md5OfMessageAttributes"] = None if md5_of_attributes is _ABSENT else md5_of_attributes
    record["md5OfBody"] = message.get("MD5OfBody")
    record["eventSource"] = "aws:sqs"
    record["eventSourceARN"] = queue_arn
    record["awsRegion"] = region
    try:
        encoded = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a body: escaped, as JSON allows
        encoded = json.dumps(record, separators=(",", ":")).encode("ascii")
    return Record(record["messageId"], record["receiptHandle"], attributes.get("MessageGroupId", ""), record, encoded)


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute in Lambda's shape (lower camel case, lists always present, binary as base64)."""
    shaped: dict[str, Any] = {}
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = _base64(value["BinaryValue"])
    shaped["stringListValues"] = list(value.get("StringListValues") or [])
    shaped["binaryListValues"] = [_base64(item) for item in value.get("BinaryListValues") or []]
    shaped["dataType"] = value.get("DataType")
    return shaped


def _base64(value: Any) -> str:
    return base64.b64encode(value if isinstance(value, (bytes, bytearray)) else str(value).encode()).decode("ascii")


def event_payload(records: list[Record]) -> bytes:
    """``{"Records": [...]}`` from records already encoded."""
    return b'{"Records":[' + b",".join(record.encoded for record in records) + b"]}"


def payload_size(records_size: int, count: int) -> int:
    """The size of ``event_payload`` for ``count`` records totalling ``records_size`` bytes."""
    return len(b'{"Records":[]}') + records_size + max(0, count - 1)
