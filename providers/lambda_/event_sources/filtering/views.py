"""What a filter pattern sees of one record, per source (AWS's "Properly filtering" rules).

- SQS: the record, with ``body`` parsed when it is a JSON object or array, else
  the body string as sent. A pattern object on ``body`` wants JSON, a rule list
  wants a plain string; a mismatch drops the record (SQS deletes it).
- Kinesis: the ``kinesis`` members (``partitionKey``, ``sequenceNumber``,
  ``data``, ``approximateArrivalTimestamp``, ``kinesisSchemaVersion``) beside
  the record's own (``eventSource``, ``eventName``, ...), with ``data``
  base64-decoded and parsed when it is JSON. A pattern on ``data`` of a record
  whose data is not JSON drops it (the stream advances past it).
- DynamoDB Streams: the record as delivered, typed values and all
  (``dynamodb.NewImage.price.N`` is the string ``"15"``; ``numeric`` never
  matches it, ``ApproximateCreationDateTime`` is a number).
- Kafka (MSK and self-managed): the record with ``key`` and ``value`` decoded
  from base64 as UTF-8 and parsed when JSON; when the format does not fit the
  pattern, or the bytes are not UTF-8, that part of the pattern is ignored and
  the rest (metadata) decides.
- Amazon MQ: like Kafka, for ``data``.

"JSON" means a JSON object or array; a body like ``42`` or ``"abc"`` is matched
as the string it is.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from ..kinds import DYNAMODB, KAFKA, KINESIS, MQ, MSK, SQS
from .matcher import DROP, IGNORE, JSON, OPAQUE, TEXT


@dataclass(frozen=True)
class RecordView:
    """``event``: the JSON the patterns see; ``payloads``: its decoded payload fields and
    their format (JSON, TEXT, OPAQUE); ``mismatch``: DROP or IGNORE on a format mismatch."""

    event: Mapping[str, Any]
    payloads: Mapping[str, str] = field(default_factory=dict)
    mismatch: str = DROP


def view_of_sqs_record(record: Mapping[str, Any]) -> RecordView:
    body, fmt = parse_payload(record.get("body"))
    return RecordView({**record, "body": body}, {"body": fmt}, DROP)


def view_of_kinesis_record(record: Mapping[str, Any]) -> RecordView:
    kinesis = record.get("kinesis") or {}
    data, fmt = decode_payload(kinesis.get("data"))
    event = {name: value for name, value in record.items() if name != "kinesis"}
    event.update(kinesis)
    event["data"] = data
    return RecordView(event, {"data": fmt}, DROP)


def view_of_dynamodb_record(record: Mapping[str, Any]) -> RecordView:
    return RecordView(record)


def view_of_kafka_record(record: Mapping[str, Any]) -> RecordView:
    event, payloads = dict(record), {}
    for name in ("key", "value"):
        if record.get(name) is not None:
            event[name], payloads[name] = decode_payload(record[name])
    return RecordView(event, payloads, IGNORE)


def view_of_mq_record(record: Mapping[str, Any]) -> RecordView:
    event, payloads = dict(record), {}
    if record.get("data") is not None:
        event["data"], payloads["data"] = decode_payload(record["data"])
    return RecordView(event, payloads, IGNORE)


VIEWS: Mapping[str, Callable[[Mapping[str, Any]], RecordView]] = MappingProxyType({
    SQS: view_of_sqs_record,
    KINESIS: view_of_kinesis_record,
    DYNAMODB: view_of_dynamodb_record,
    MSK: view_of_kafka_record,
    KAFKA: view_of_kafka_record,
    MQ: view_of_mq_record,
})


def view_of(kind: str, record: Mapping[str, Any]) -> RecordView:
    """The view of a record from a source of ``kind`` (``event_sources.kinds``)."""
    return VIEWS[kind](record)


def parse_payload(text: Any) -> tuple[Any, str]:
    """A text payload as (parsed JSON, JSON) when it is a JSON object or array, else (text, TEXT)."""
    if not isinstance(text, str):
        return text, TEXT
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "{[":
        return text, TEXT
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return text, TEXT
    return (value, JSON) if isinstance(value, (dict, list)) else (text, TEXT)


def decode_payload(encoded: Any) -> tuple[Any, str]:
    """A base64 payload (or raw bytes) decoded as UTF-8 and parsed; OPAQUE when it is neither."""
    if isinstance(encoded, (bytes, bytearray)):
        raw = bytes(encoded)
    elif isinstance(encoded, str):
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return encoded, OPAQUE
    else:
        return encoded, OPAQUE
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return encoded, OPAQUE
    return parse_payload(text)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
