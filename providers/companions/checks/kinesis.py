"""Kinesis requests moto would mishandle.

- ``CreateStream`` in provisioned mode (the default) without ``ShardCount``:
  Coral's "Value null at 'shardCount' ... Member must not be null" (AWS's
  answer while the model required it);
- a ``StreamARN`` naming no stream (consumers, ``UpdateStreamMode``):
  ``ResourceNotFoundException`` "Stream <name> under account <account> not
  found.", Kinesis's wording for a missing stream;
- ``GetRecords`` with a ``ShardIterator`` that is not one the service issued:
  ``InvalidArgumentException`` "Invalid ShardIterator." (best reading);
- ``ListStreams`` with an ``ExclusiveStartStreamName`` naming no stream: AWS
  starts after that name, moto cannot: a 501 that says so.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

from .common import moto_backend, not_implemented, null_member

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _shard_count(context: "RequestContext", params: dict[str, Any]) -> None:
    mode = (params.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
    if mode == "PROVISIONED" and params.get("ShardCount") is None:
        raise null_member("ValidationException", "ShardCount")


def _stream_exists(context: "RequestContext", params: dict[str, Any]) -> None:
    arn = params.get("StreamARN")
    if not arn:
        return
    if _found(context, stream_arn=arn, stream_name=None):
        return
    name = arn.split("/", 1)[1] if "/" in arn else arn
    raise ServiceError(
        "ResourceNotFoundException", f"Stream {echo(name)} under account {context.account_id} not found.", 400
    )


def _found(context: "RequestContext", **names: Any) -> bool:
    try:
        moto_backend("kinesis", context).describe_stream(**names)
    except Exception:  # noqa: BLE001 - moto's StreamNotFoundError, or an ARN it cannot split
        return False
    return True


def _shard_iterator(context: "RequestContext", params: dict[str, Any]) -> None:
    iterator = params.get("ShardIterator") or ""
    try:
        parts = base64.b64decode(iterator.encode("ascii"), validate=False).decode("utf-8").split(":")
    except (binascii.Error, UnicodeError, ValueError):
        parts = []
    if len(parts) != 3 or not parts[2].isdigit():
        raise ServiceError("InvalidArgumentException", "Invalid ShardIterator.", 400)


def _start_stream(context: "RequestContext", params: dict[str, Any]) -> None:
    name = params.get("ExclusiveStartStreamName")
    if name and not _found(context, stream_arn=None, stream_name=name):
        raise not_implemented("kinesis", "ListStreams", "with an ExclusiveStartStreamName naming no stream")


BEFORE = {
    "CreateStream": [_shard_count],
    "DeregisterStreamConsumer": [_stream_exists],
    "DescribeStreamConsumer": [_stream_exists],
    "ListStreamConsumers": [_stream_exists],
    "RegisterStreamConsumer": [_stream_exists],
    "UpdateStreamMode": [_stream_exists],
    "GetRecords": [_shard_iterator],
    "ListStreams": [_start_stream],
}

LOOKUPS: dict[str, list] = {}
