"""DynamoDB stream records as AWS writes them.

What moto does, and what AWS does instead:

- ``UpdateItem`` creating an item wrote two ``INSERT`` records (the key
  alone, then the item): AWS writes one record per item changed by a
  request, with the item as it ended up.
- A ``PutItem``/``UpdateItem`` that changed nothing wrote a ``MODIFY``:
  "If you perform a PutItem or UpdateItem operation that does not change any
  data in an item, DynamoDB Streams does not write a stream record for that
  operation" (DynamoDB developer guide, "Change data capture for DynamoDB
  Streams").
- Records said ``eventVersion`` "1.0" and ``awsRegion`` "us-east-1" whatever
  the table's region; AWS says "1.1" and the table's region.
- ``SizeBytes`` was the length of moto's JSON; AWS counts the item size of
  ``Keys``, ``NewImage`` and ``OldImage`` (attribute names plus values:
  strings and binaries by their bytes, numbers by a byte per two significant
  digits plus one, lists and maps 3 bytes plus a byte per element), which
  is what AWS's recorded events show (e.g. ``{"pk": "hello world"}`` keys
  and image with ``{"binary_key": b"foobar"}``: 70).
- ``ApproximateCreationDateTime`` had microseconds; AWS's has whole seconds.
- A failed transaction restores a copy of the table, stream included, and
  iterators issued before it kept reading the discarded copy (records
  written afterwards never appeared): an iterator now follows the table's
  live stream shard.
- Every ``GetRecords`` kept its next iterator for ever; the backend now keeps
  the newest ``MAX_ITERATORS`` (AWS's expire after 15 minutes).

``install`` patches moto's classes once (idempotent) when the companion
DynamoDB or DynamoDB Streams loads.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import threading
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

_MARK = "_gateway_stream_records"
MAX_ITERATORS = 10_000


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamRecord, StreamShard
    from moto.dynamodbstreams import models as streams

    if getattr(StreamShard, _MARK, False):
        return
    writes = _RequestWrites()
    append_lock = threading.Lock()

    def append(shard: Any, old: Any, new: Any) -> None:
        if old is not None and new is not None and old.to_json() == new.to_json():
            return
        table = shard.table
        event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        with append_lock:
            sequence = len(shard.items) + shard.starting_sequence_number
            record = StreamRecord(table, table.stream_specification["StreamViewType"], event_name, old, new, sequence)
            _as_aws_writes_it(record.record, table.region_name)
            shard.items.append(record)

    def add(self: Any, old: Any, new: Any) -> None:
        if not writes.buffer(self, old, new):
            append(self, old, new)

    def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        if writes.active():
            return update(self, *args, **kwargs)
        writes.start()
        try:
            return update(self, *args, **kwargs)
        finally:
            for shard, old, new in writes.finish():
                append(shard, old, new)

    update = DynamoDBBackend.update_item
    StreamShard.add = add
    DynamoDBBackend.update_item = update_item
    _follow_live_shard(streams.ShardIterator)
    _bound_iterators(streams.DynamoDBStreamsBackend)
    setattr(StreamShard, _MARK, True)


class _RequestWrites:
    """The stream writes of the ``UpdateItem`` this thread is running, merged per
    shard and item into one (the first old image, the last new one)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def active(self) -> bool:
        return getattr(self._local, "writes", None) is not None

    def start(self) -> None:
        self._local.writes = []

    def buffer(self, shard: Any, old: Any, new: Any) -> bool:
        pending = getattr(self._local, "writes", None)
        if pending is None:
            return False
        pending.append((shard, old, new))
        return True

    def finish(self) -> list[tuple[Any, Any, Any]]:
        pending, self._local.writes = self._local.writes, None
        merged: dict[tuple[int, str], list] = {}
        for shard, old, new in pending:
            item = new if new is not None else old
            key = (id(shard), repr(_keys_of(item)))
            if key in merged:
                merged[key][2] = new
            else:
                merged[key] = [shard, old, new]
        return [tuple(entry) for entry in merged.values()]  # type: ignore[misc]


def _keys_of(item: Any) -> tuple:
    return (getattr(item, "hash_key", None) and item.hash_key.to_json(),
            getattr(item, "range_key", None) and item.range_key.to_json())


def _as_aws_writes_it(record: dict[str, Any], region: str) -> None:
    record["eventVersion"] = "1.1"
    record["awsRegion"] = region
    stream = record["dynamodb"]
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime.datetime):
        stream["ApproximateCreationDateTime"] = created.replace(microsecond=0)
    stream["SizeBytes"] = sum(item_size(stream.get(name) or {}) for name in ("Keys", "NewImage", "OldImage"))


def item_size(attributes: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (names and typed values)."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in attributes.items())


def value_size(typed: Any) -> int:
    if not isinstance(typed, dict) or len(typed) != 1:
        return 0
    kind, value = next(iter(typed.items()))
    if kind == "S":
        return len(str(value).encode("utf-8"))
    if kind == "N":
        return _number_size(value)
    if kind == "B":
        return _binary_size(value)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode("utf-8")) for v in value or ())
    if kind == "NS":
        return sum(_number_size(v) for v in value or ())
    if kind == "BS":
        return sum(_binary_size(v) for v in value or ())
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in value or ())
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in (value or {}).items())
    return 0


def _number_size(value: Any) -> int:
    try:
        digits = Decimal(str(value)).normalize().as_tuple().digits
    except (InvalidOperation, ValueError):
        return len(str(value))
    significant = len(digits) or 1
    return (significant + 1) // 2 + 1


def _binary_size(value: Any) -> int:
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value).encode("utf-8"))


def _follow_live_shard(iterator_class: Any) -> None:
    get = iterator_class.get

    def get_from_live_shard(self: Any, limit: int = 1000) -> dict[str, Any]:
        shard = self.stream_shard
        table = self.streams_backend.dynamodb.tables.get(shard.table.name)
        live: Optional[Any] = getattr(table, "stream_shard", None)
        if live is not None and live is not shard and live.id == shard.id:
            self.stream_shard = live
        return get(self, limit)

    iterator_class.get = get_from_live_shard


def _bound_iterators(backend_class: Any) -> None:
    get_records, get_shard_iterator = backend_class.get_records, backend_class.get_shard_iterator

    def prune(backend: Any) -> None:
        iterators = backend.shard_iterators
        while len(iterators) > MAX_ITERATORS:
            del iterators[next(iter(iterators))]

    def bounded_get_records(self: Any, iterator_arn: str, limit: int) -> dict[str, Any]:
        result = get_records(self, iterator_arn, limit)
        prune(self)
        return result

    def bounded_get_shard_iterator(self: Any, *args: Any, **kwargs: Any) -> Any:
        iterator = get_shard_iterator(self, *args, **kwargs)
        prune(self)
        return iterator

    backend_class.get_records = bounded_get_records
    backend_class.get_shard_iterator = bounded_get_shard_iterator
