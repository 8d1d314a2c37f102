"""A Kinesis data stream read through the Kinesis API, its records in the
shape Lambda delivers them (test_lambda_integration_kinesis.snapshot.json;
AWS's "Example Kinesis record event")::

    {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "1",
                 "sequenceNumber": "4959...", "data": "SGVsbG8=",
                 "approximateArrivalTimestamp": 1607497475.0},
     "eventSource": "aws:kinesis", "eventVersion": "1.0",
     "eventID": "shardId-000000000000:4959...", "eventName": "aws:kinesis:record",
     "invokeIdentityArn": "<the function's execution role>", "awsRegion": "us-east-1",
     "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/name"}

``data`` is the record's bytes in base64, whatever they are (JSON, text or
binary): Lambda passes them as they are. The stream is named by its name in
the ARN's account and region (the client's).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any, Hashable, Optional

from ..kinds import KINESIS
from ..streams.source import (
    AFTER_SEQUENCE_NUMBER,
    AT_TIMESTAMP,
    LATEST,
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
EXPIRED = "ExpiredIteratorException"
RECORD_OVERHEAD = 400  # the record's envelope in an invoke payload, besides data, key and ARNs


class KinesisSource(StreamSource):
    kind = KINESIS
    service = "kinesis"
    batch_info = "KinesisBatchInfo"
    read_limit = 10_000

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # stream/<name>, or stream/<name>/consumer/<consumer>:<id> (an enhanced fan-out
        # consumer: its stream is read the same way).
        self.stream_name = self.arn.split(":stream/", 1)[-1].split("/", 1)[0]
        self._client = self.clients.client("kinesis")

    def notice_keys(self) -> tuple[Hashable, Hashable]:
        return (("kinesis", self.account_id, self.region, self.stream_name),
                ("kinesis-shards", self.account_id, self.region, self.stream_name))

    def initial_position(self, now: float) -> Position:
        position = self.mapping.get("StartingPosition") or LATEST
        if position == TRIM_HORIZON:
            return Position(TRIM_HORIZON)
        if position == AT_TIMESTAMP:
            stamp = self.mapping.get("StartingPositionTimestamp")
            return Position(AT_TIMESTAMP, timestamp=stamp.timestamp() if hasattr(stamp, "timestamp") else float(stamp))
        # LATEST, as the moment the mapping was set up (not the later moment its poller
        # first listed the shards): a record put once the mapping exists is read, and a
        # restart before the first record skips nothing.
        return Position(AT_TIMESTAMP, timestamp=self.set_up_at(now))

    def shards(self) -> list[Shard]:
        shards: list[Shard] = []
        token = None
        while True:
            arguments = {"NextToken": token} if token else {"StreamName": self.stream_name}
            answer = self._call("list_shards", **arguments)
            for shard in answer.get("Shards", []):
                parents = tuple(p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p)
                shards.append(Shard(shard["ShardId"], parents))
            token = answer.get("NextToken")
            if not token:
                return shards

    def iterator(self, shard_id: str, position: Position) -> Optional[str]:
        arguments: dict[str, Any] = {"StreamName": self.stream_name, "ShardId": shard_id,
                                     "ShardIteratorType": position.kind}
        if position.kind == AFTER_SEQUENCE_NUMBER:
            arguments["StartingSequenceNumber"] = position.sequence
        elif position.kind == AT_TIMESTAMP:
            arguments["Timestamp"] = datetime.datetime.fromtimestamp(position.timestamp or 0, datetime.timezone.utc)
        try:
            return self._call("get_shard_iterator", **arguments)["ShardIterator"]
        except _ShardMissing:
            return None

    def read(self, shard_id: str, iterator: str, limit: int) -> tuple[list[StreamRecord], Optional[str]]:
        try:
            answer = self._call("get_records", ShardIterator=iterator, Limit=limit)
        except _ShardMissing:
            raise IteratorExpired() from None
        records = [self._record(shard_id, record) for record in answer.get("Records", [])]
        return records, answer.get("NextShardIterator")

    def with_role(self, event: dict[str, Any], role: str) -> dict[str, Any]:
        return {**event, "invokeIdentityArn": role}

    # Internals -----------------------------------------------------------------------------------
    def _record(self, shard_id: str, record: dict[str, Any]) -> StreamRecord:
        sequence = record["SequenceNumber"]
        arrival = record["ApproximateArrivalTimestamp"].timestamp()
        key = record["PartitionKey"]
        data = base64.b64encode(record["Data"]).decode("ascii")
        event = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": key,
                "sequenceNumber": sequence,
                "data": data,
                "approximateArrivalTimestamp": round(arrival, 3),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "",
            "awsRegion": self.region,
            "eventSourceARN": self.arn,
        }
        size = len(data) + len(key) + 2 * len(sequence) + len(self.arn) + len(shard_id) + RECORD_OVERHEAD
        return StreamRecord(event, sequence, arrival, key, size)

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == EXPIRED:
                raise IteratorExpired() from None
            if code == MISSING:
                if self._stream_exists():
                    raise _ShardMissing() from None
                raise SourceGone(f"{self.arn}: {error}") from None
            raise SourceUnavailable(str(error)) from None
        except BotoCoreError as error:
            raise SourceUnavailable(str(error)) from None

    def _stream_exists(self) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.describe_stream_summary(StreamName=self.stream_name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == MISSING:
                return False
            raise SourceUnavailable(str(error)) from None
        except BotoCoreError as error:
            raise SourceUnavailable(str(error)) from None
        return True


class _ShardMissing(Exception):
    """The stream exists, the shard does not (it expired)."""
