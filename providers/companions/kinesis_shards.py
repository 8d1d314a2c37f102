"""Kinesis shards that behave as AWS's do when a stream is resharded.

What moto does, and what a reader of the stream (a Lambda event source
mapping, a KCL consumer) needs instead:

- ``SplitShard`` moved the parent's records into the children and
  ``MergeShards`` copied both parents' records into the child. On AWS a
  parent keeps its records (readable until they expire) and its children
  start empty: a reader finishes the parent, then reads the children, and
  sees every record once.
- After a split, a record was routed to the first shard whose hash range
  covers its key -- the closed parent -- so new records went to a shard no
  reader reads again. AWS routes to the open shard; the range's end is
  inclusive (``EndingHashKey``).
- ``GetRecords`` on a closed shard read to its end answered another
  iterator for ever. AWS answers no ``NextShardIterator``: the shard is
  finished, its children may be read.

``install`` patches moto's classes once (idempotent), when the companion
Kinesis first loads. Requests are serialized by the provider (moto's shards
are not safe for concurrent writes).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

_MARK = "_gateway_shards"


def install() -> None:
    from moto.kinesis import models

    if getattr(models.Stream, _MARK, False):
        return
    _patch_resharding(models.Stream)
    _patch_routing(models.Stream)
    _patch_shard_end(models.KinesisBackend)
    setattr(models.Stream, _MARK, True)


def _patch_resharding(stream_class: Any) -> None:
    split, merge = stream_class.split_shard, stream_class.merge_shards

    def split_shard(self: Any, shard_to_split: str, new_starting_hash_key: str) -> None:
        parent = self.shards.get(shard_to_split)
        kept = parent.records if parent is not None else None
        before = set(self.shards)
        split(self, shard_to_split, new_starting_hash_key)
        _children_start_empty(self, before)
        if parent is not None:
            parent.records = kept

    def merge_shards(self: Any, shard_to_merge: str, adjacent_shard_to_merge: str) -> None:
        before = set(self.shards)
        merge(self, shard_to_merge, adjacent_shard_to_merge)
        _children_start_empty(self, before)

    stream_class.split_shard = split_shard
    stream_class.merge_shards = merge_shards


def _children_start_empty(stream: Any, before: set[str]) -> None:
    for shard_id in set(stream.shards) - before:
        stream.shards[shard_id].records = OrderedDict()


def _patch_routing(stream_class: Any) -> None:
    find = stream_class.get_shard_for_key

    def get_shard_for_key(self: Any, partition_key: str, explicit_hash_key: str) -> Optional[Any]:
        find(self, partition_key, explicit_hash_key)  # moto's checks of the key (InvalidArgumentError)
        from moto.utilities.utils import md5_hash

        if explicit_hash_key:
            key = int(explicit_hash_key)
        else:
            key = int(md5_hash(partition_key.encode("utf-8")).hexdigest(), 16)
        for shard in self.shards.values():
            if shard.is_open and shard.starting_hash <= key <= shard.ending_hash:
                return shard
        return None

    stream_class.get_shard_for_key = get_shard_for_key


def _patch_shard_end(backend_class: Any) -> None:
    get_records = backend_class.get_records

    def get_records_to_shard_end(self: Any, stream_arn: Optional[str], shard_iterator: str,
                                 limit: Optional[int]) -> tuple[Optional[str], list, int]:
        next_iterator, records, millis_behind = get_records(self, stream_arn, shard_iterator, limit)
        from moto.kinesis.utils import decompose_shard_iterator

        stream_name, shard_id, last = decompose_shard_iterator(next_iterator)
        shard = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name).get_shard(shard_id)
        if not shard.is_open and int(last) >= shard.get_max_sequence_number():
            return None, records, millis_behind
        return next_iterator, records, millis_behind

    backend_class.get_records = get_records_to_shard_end
