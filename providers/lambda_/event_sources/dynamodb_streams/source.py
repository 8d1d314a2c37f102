"""A DynamoDB table's stream read through the DynamoDB Streams API, its records
in the shape Lambda delivers them (test_lambda_integration_dynamodbstreams.snapshot.json;
AWS's "Example DynamoDB Streams record event")::

    {"eventID": "c4ca4238a0b923820dcc509a6f75849b", "eventName": "INSERT" | "MODIFY" | "REMOVE",
     "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
     "dynamodb": {"ApproximateCreationDateTime": 1479499740,
                  "Keys": {"Id": {"N": "101"}},
                  "NewImage": {...}, "OldImage": {...},      # as StreamViewType says
                  "SequenceNumber": "4421584500000000017450439091",
                  "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"},
     "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2015-06-27T00:48:05.899"}

Values stay typed (``{"N": "101"}``), binaries in base64; no
``invokeIdentityArn`` (AWS's DynamoDB records carry none). Records with the
same item keys keep their order (``ParallelizationFactor``).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Hashable, Optional

from ..kinds import DYNAMODB
from ..streams.source import (
    AFTER_SEQUENCE_NUMBER,
    TRIM_HORIZON,
    IteratorExpired,
    Position,
    Shard,
    SourceGone,
    SourceUnavailable,
    StreamRecord,
    StreamSource,
)

MISSING = "ResourceNotFoundException"
# A shard iterator past its 15 minutes, one into trimmed records, or one the
# service does not know (the companion keeps a bounded number): read again
# from where reading had got to.
STALE_ITERATOR = frozenset({"ExpiredIteratorException", "TrimmedDataAccessException", "ValidationException"})
IMAGE_MEMBERS = ("Keys", "NewImage", "OldImage")


class DynamoDBStreamSource(StreamSource):
    kind = DYNAMODB
    service = "dynamodbstreams"
    batch_info = "DDBStreamBatchInfo"
    read_limit = 1000

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.table_name = self.arn.split(":table/", 1)[-1].split("/", 1)[0]
        self._client = self.clients.client("dynamodbstreams")

    def notice_keys(self) -> tuple[Hashable, Hashable]:
        return ("dynamodb", self.account_id, self.region), ("dynamodb-tables", self.account_id, self.region)

    def initial_position(self, now: float) -> Position:
        if self.mapping.get("StartingPosition") == TRIM_HORIZON:
            return Position(TRIM_HORIZON)
        # LATEST, as the moment the mapping was set up: the stream has no iterator at a
        # time, so from the oldest record, skipping those written before that second.
        return Position(TRIM_HORIZON, timestamp=self.set_up_at(now))

    def arrival_text(self, arrival: float) -> str:
        return self.iso_time(arrival, milliseconds=False)  # stream records carry whole seconds

    def shards(self) -> list[Shard]:
        shards: list[Shard] = []
        arguments: dict[str, Any] = {"StreamArn": self.arn}
        while True:
            description = self._call("describe_stream", **arguments)["StreamDescription"]
            for shard in description.get("Shards", []):
                parent = shard.get("ParentShardId")
                shards.append(Shard(shard["ShardId"], (parent,) if parent else ()))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            arguments["ExclusiveStartShardId"] = last

    def iterator(self, shard_id: str, position: Position) -> Optional[str]:
        arguments: dict[str, Any] = {"StreamArn": self.arn, "ShardId": shard_id, "ShardIteratorType": position.kind}
        if position.kind == AFTER_SEQUENCE_NUMBER:
            arguments["SequenceNumber"] = position.sequence
        try:
            return self._call("get_shard_iterator", **arguments)["ShardIterator"]
        except _ShardMissing:
            return None

    def read(self, shard_id: str, iterator: str, limit: int) -> tuple[list[StreamRecord], Optional[str]]:
        try:
            answer = self._call("get_records", ShardIterator=iterator, Limit=limit)
        except _ShardMissing:
            raise IteratorExpired() from None
        return [self._record(record) for record in answer.get("Records", [])], answer.get("NextShardIterator")

    # Internals -----------------------------------------------------------------------------------
    def _record(self, record: dict[str, Any]) -> StreamRecord:
        change = record.get("dynamodb") or {}
        created = change.get("ApproximateCreationDateTime")
        arrival = created.timestamp() if hasattr(created, "timestamp") else float(created or 0)
        dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": int(arrival)}
        for name in IMAGE_MEMBERS:
            if name in change:
                dynamodb[name] = {attribute: _typed(value) for attribute, value in change[name].items()}
        for name in ("SequenceNumber", "SizeBytes", "StreamViewType"):
            if name in change:
                dynamodb[name] = change[name]
        event: dict[str, Any] = {
            "eventID": record.get("eventID"),
            "eventName": record.get("eventName"),
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": dynamodb,
            "eventSourceARN": self.arn,
        }
        if record.get("userIdentity"):  # deletions by Time to Live
            event["userIdentity"] = record["userIdentity"]
        text = json.dumps(event, separators=(",", ":"))
        key = json.dumps(dynamodb.get("Keys", {}), sort_keys=True)
        return StreamRecord(event, dynamodb.get("SequenceNumber", ""), arrival, key, len(text))

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if operation == "get_records" and code in STALE_ITERATOR:
                raise IteratorExpired() from None
            if code == MISSING:
                if operation != "describe_stream" and self._stream_exists():
                    raise _ShardMissing() from None
                raise SourceGone(f"{self.arn}: {error}") from None
            raise SourceUnavailable(str(error)) from None
        except BotoCoreError as error:
            raise SourceUnavailable(str(error)) from None

    def _stream_exists(self) -> bool:
        try:
            self._call("describe_stream", StreamArn=self.arn)
        except SourceGone:
            return False
        return True


class _ShardMissing(Exception):
    """The stream exists, the shard does not (it expired)."""


def _typed(value: Any) -> Any:
    """A typed attribute value as JSON carries it: binaries in base64."""
    if not isinstance(value, dict):
        return value
    typed: dict[str, Any] = {}
    for kind, inner in value.items():
        if kind == "B":
            typed[kind] = _b64(inner)
        elif kind == "BS":
            typed[kind] = [_b64(item) for item in inner]
        elif kind == "L":
            typed[kind] = [_typed(item) for item in inner]
        elif kind == "M":
            typed[kind] = {name: _typed(item) for name, item in inner.items()}
        else:
            typed[kind] = inner
    return typed


def _b64(value: Any) -> Any:
    return base64.b64encode(value).decode("ascii") if isinstance(value, (bytes, bytearray)) else value
