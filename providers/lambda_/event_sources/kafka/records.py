"""Kafka records as Lambda delivers them, and the event that carries them.

AWS's shape (with-msk.html, with-kafka.html: "Example event")::

    {"eventSource": "aws:kafka",                       # "SelfManagedKafka" for self-managed
     "eventSourceArn": "arn:aws:kafka:...:cluster/...",  # MSK only
     "bootstrapServers": "b-1...:9092,b-2...:9092",
     "records": {"mytopic-0": [{"topic": "mytopic", "partition": 0, "offset": 15,
                                "timestamp": 1545084650987, "timestampType": "CREATE_TIME",
                                "key": "<base64>", "value": "<base64>",
                                "headers": [{"headerKey": [104, 101, ...]}]}]}}

Key and value are base64 of the bytes as produced (binary or not, JSON or
not); a record without a key has no ``key`` member, a tombstone (null value) no
``value``. Header values are their bytes as a list of integers (0-255), in the
record's header order; a header whose value is null has an empty list.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Iterable, Optional

SELF_MANAGED_SOURCE = "SelfManagedKafka"
MSK_SOURCE = "aws:kafka"

# confluent-kafka's timestamp types -> the names Kafka's Java client gives them.
_TIMESTAMP_TYPES = {0: "NO_TIMESTAMP_TYPE", 1: "CREATE_TIME", 2: "LOG_APPEND_TIME"}


@dataclass(frozen=True)
class Fetched:
    """One record read from Kafka: where it sits, and its AWS shape."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    record: dict[str, Any]
    size: int  # bytes of key, value and headers (for the payload estimate)

    @property
    def key(self) -> str:
        return partition_key(self.topic, self.partition)


def partition_key(topic: str, partition: int) -> str:
    """The ``records`` member name (and ``itemIdentifier.partition``): ``<topic>-<partition>``."""
    return f"{topic}-{partition}"


def fetched(message: Any) -> Fetched:
    """A confluent-kafka ``Message`` (without error) as a ``Fetched``."""
    timestamp_type, timestamp = message.timestamp()
    key, value = message.key(), message.value()
    headers = message.headers() or []
    record: dict[str, Any] = {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp": timestamp,
        "timestampType": _TIMESTAMP_TYPES.get(timestamp_type, "NO_TIMESTAMP_TYPE"),
    }
    if key is not None:
        record["key"] = base64.b64encode(key).decode("ascii")
    if value is not None:
        record["value"] = base64.b64encode(value).decode("ascii")
    record["headers"] = [{name: list(header_value or b"")} for name, header_value in headers]
    size = len(key or b"") + len(value or b"") + sum(len(n) + len(v or b"") for n, v in headers)
    return Fetched(message.topic(), message.partition(), message.offset(), timestamp, record, size)


def event(source: str, bootstrap_servers: str, batch: Iterable[Fetched],
          event_source_arn: Optional[str] = None) -> dict[str, Any]:
    """The invocation event of ``batch`` (records in the order read, grouped by topic-partition)."""
    records: dict[str, list[dict[str, Any]]] = {}
    for item in batch:
        records.setdefault(item.key, []).append(item.record)
    body: dict[str, Any] = {"eventSource": source}
    if event_source_arn:
        body["eventSourceArn"] = event_source_arn
    body["bootstrapServers"] = bootstrap_servers
    body["records"] = records
    return body


def estimated_size(batch: Iterable[Fetched]) -> int:
    """An upper bound of the event's JSON size: base64 grows bytes by 4/3, header
    bytes become up to 4 characters each, plus room for the metadata members."""
    return sum(item.size * 4 + 256 for item in batch) + 512
