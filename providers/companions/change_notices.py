"""Which change notices (``gateway/notices.py``) a companion's accepted request publishes.

Stream readers in this gateway (Lambda's Kinesis and DynamoDB Streams
pollers) sleep on these keys instead of polling an idle stream:

- ``("kinesis", account, region, stream_name)``: records may have arrived
  (``PutRecord``, ``PutRecords``) or the stream changed shape;
- ``("kinesis-shards", account, region, stream_name)``: the stream's shards
  changed (created, deleted, split, merged, resized);
- ``("dynamodb", account, region)``: an item write in that region (stream
  records may have been written);
- ``("dynamodb-tables", account, region)``: a table was created, updated
  (its stream enabled or disabled) or deleted.
"""

from __future__ import annotations

from typing import Any

KINESIS_RECORDS = frozenset({"PutRecord", "PutRecords"})
KINESIS_SHAPE = frozenset({"CreateStream", "DeleteStream", "SplitShard", "MergeShards", "UpdateShardCount",
                           "UpdateStreamMode"})
DYNAMODB_ITEMS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                            "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"})
DYNAMODB_TABLES = frozenset({"CreateTable", "UpdateTable", "DeleteTable"})


def kinesis_keys(operation: str, account_id: str, region: str, params: dict[str, Any]) -> list[tuple]:
    if operation not in KINESIS_RECORDS and operation not in KINESIS_SHAPE:
        return []
    name = params.get("StreamName")
    arn = params.get("StreamARN")
    if not name and isinstance(arn, str) and "/" in arn:
        name = arn.split("/", 1)[1]
    if not name:
        return []
    keys = [("kinesis", account_id, region, name)]
    if operation in KINESIS_SHAPE:
        keys.append(("kinesis-shards", account_id, region, name))
    return keys


def dynamodb_keys(operation: str, account_id: str, region: str) -> list[tuple]:
    if operation in DYNAMODB_ITEMS:
        return [("dynamodb", account_id, region)]
    if operation in DYNAMODB_TABLES:
        return [("dynamodb", account_id, region), ("dynamodb-tables", account_id, region)]
    return []
