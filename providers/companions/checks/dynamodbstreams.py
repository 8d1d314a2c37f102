"""DynamoDB Streams requests moto would mishandle.

- ``GetShardIterator`` with a ``SequenceNumber`` that is not a number (DynamoDB
  Streams sequence numbers are decimal digits), or without one for
  ``AT_SEQUENCE_NUMBER``/``AFTER_SEQUENCE_NUMBER``: ``ValidationException``;
- ``GetRecords`` with a ``ShardIterator`` that names no iterator:
  ``ValidationException`` "Invalid ShardIterator".

Wording: best reading (no recording found); the code is the service's
validation code, as for its model constraints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

from .common import Lookup

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _sequence_number(context: "RequestContext", params: dict[str, Any]) -> None:
    number = params.get("SequenceNumber")
    kind = params.get("ShardIteratorType")
    if number is None and kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        raise ServiceError("ValidationException", f"SequenceNumber is required for ShardIteratorType {kind}", 400)
    if number is not None and not (number.isascii() and number.isdigit()):
        raise ServiceError("ValidationException", f"Invalid SequenceNumber: {echo(number)}", 400)


BEFORE = {"GetShardIterator": [_sequence_number]}

LOOKUPS = {
    "GetRecords": [Lookup("get_records", "ShardIterator", "ValidationException", "Invalid ShardIterator")],
}
