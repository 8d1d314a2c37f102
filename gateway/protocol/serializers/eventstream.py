"""The ``application/vnd.amazon.eventstream`` binary framing, and event streams.

One message on the wire::

    prelude   total length (u32) | headers length (u32) | crc32 of those 8 bytes
    headers   name length (u8) | name | value type (u8) | value ...
    payload
    crc32 of everything before it

An operation whose output has an ``eventstream`` member streams one message per
event: ``:message-type`` ``event`` with ``:event-type`` the event's member name,
members marked ``eventheader`` as typed headers and the ``eventpayload`` member
(or the rest of the event structure) as the payload. A modelled exception ends
the stream as ``:message-type`` ``exception``; any other error as ``error``.
"""

from __future__ import annotations

import logging
import struct
import uuid
from binascii import crc32
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from ...errors import ServiceError
from .values import to_bytes, to_datetime

LOG = logging.getLogger(__name__)

CONTENT_TYPE = "application/vnd.amazon.eventstream"

# Header value types of the wire format.
_TRUE, _FALSE, _BYTE, _SHORT, _INTEGER, _LONG, _BYTES, _STRING, _TIMESTAMP, _UUID = range(10)
_SHAPE_HEADER_TYPES = {
    "boolean": _TRUE,
    "byte": _BYTE,
    "short": _SHORT,
    "integer": _INTEGER,
    "long": _LONG,
    "blob": _BYTES,
    "string": _STRING,
    "timestamp": _TIMESTAMP,
}
_FIXED = {
    _BYTE: struct.Struct("!b"),
    _SHORT: struct.Struct("!h"),
    _INTEGER: struct.Struct("!i"),
    _LONG: struct.Struct("!q"),
    _TIMESTAMP: struct.Struct("!q"),
}
_PRELUDE = struct.Struct("!II")
_U32 = struct.Struct("!I")
_LEN16 = struct.Struct("!H")


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, int):
        return _INTEGER if -(2**31) <= value < 2**31 else _LONG
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _BYTES
    if isinstance(value, datetime):
        return _TIMESTAMP
    if isinstance(value, uuid.UUID):
        return _UUID
    return _STRING


def _encode_header(name: str, kind: int, value: Any) -> bytes:
    raw_name = name.encode("utf-8")
    head = bytes((len(raw_name),)) + raw_name
    if kind in (_TRUE, _FALSE):
        return head + bytes((_TRUE if value else _FALSE,))
    if kind == _TIMESTAMP:
        moment = to_datetime(value)
        millis = int(moment.timestamp() * 1000)
        return head + bytes((kind,)) + _FIXED[kind].pack(millis)
    if kind in _FIXED:
        return head + bytes((kind,)) + _FIXED[kind].pack(int(value))
    if kind == _UUID:
        return head + bytes((kind,)) + (value.bytes if isinstance(value, uuid.UUID) else bytes(value))
    data = to_bytes(value) if kind == _BYTES else str(value).encode("utf-8")
    return head + bytes((kind,)) + _LEN16.pack(len(data)) + data


def encode_message(headers: Iterable[tuple[str, int, Any]], payload: bytes) -> bytes:
    """One message from ``(name, wire type, value)`` headers and a payload."""
    header_bytes = b"".join(_encode_header(name, kind, value) for name, kind, value in headers)
    total = 16 + len(header_bytes) + len(payload)
    prelude = _PRELUDE.pack(total, len(header_bytes))
    message = prelude + _U32.pack(crc32(prelude)) + header_bytes + payload
    return message + _U32.pack(crc32(message))


def encode_event_stream_message(headers: Mapping[str, Any], payload: bytes = b"") -> bytes:
    """One event stream message; header wire types are inferred from the Python values
    (bool, int -> int32 or int64, bytes, str, datetime -> timestamp, UUID)."""
    return encode_message(
        ((name, _infer_type(value), value) for name, value in headers.items()), to_bytes(payload)
    )


@dataclass
class _EventPlan:
    name: str
    exception: bool
    headers: list[tuple[str, int]]  # (member name == header name, wire type)
    payload_member: Optional[str]
    payload_kind: str  # "blob" | "string" | "structure" | "body" (whole event minus headers)
    encode: Optional[Callable[[Any], bytes]]  # structure payload / body encoder
    content_type: str
    message_member: str = "message"  # exceptions: the member the error message goes to


class EventStreamWriter:
    """Encodes an iterable of ``{"EventName": {...}}`` dicts for one eventstream shape.

    ``struct_encoder(shape, exclude)`` returns a function turning a structure value into
    payload bytes in the protocol's format, described by ``struct_content_type``.
    """

    def __init__(
        self,
        stream_shape: Any,
        struct_encoder: Callable[[Any, frozenset], Callable[[Any], bytes]],
        struct_content_type: str,
    ) -> None:
        self._plans: dict[str, _EventPlan] = {}
        for name, shape in stream_shape.members.items():
            headers: list[tuple[str, int]] = []
            payload_member = None
            payload_kind = "body"
            encode = None
            content_type = struct_content_type
            for member_name, member in shape.members.items():
                if member.serialization.get("eventheader"):
                    headers.append((member_name, _SHAPE_HEADER_TYPES.get(member.type_name, _STRING)))
                elif member.serialization.get("eventpayload"):
                    payload_member = member_name
                    payload_kind = member.type_name if member.type_name in ("blob", "string") else "structure"
                    if payload_kind == "blob":
                        content_type = "application/octet-stream"
                    elif payload_kind == "string":
                        content_type = "text/plain"
                    else:
                        encode = struct_encoder(member, frozenset())
            if payload_kind == "body":
                if len(headers) < len(shape.members):
                    encode = struct_encoder(shape, frozenset(h for h, _ in headers))
                else:  # nothing but headers (S3 Select's End): an empty payload
                    encode = _empty
            exception = bool(shape.metadata.get("exception"))
            message = next((m for m in shape.members if m.lower() == "message"), "message")
            self._plans[name] = _EventPlan(
                name, exception, headers, payload_member, payload_kind, encode, content_type, message
            )

    def encode_event(self, event: Mapping[str, Any]) -> bytes:
        for name, value in event.items():
            if value is None:
                continue
            plan = self._plans.get(name)
            if plan is None:
                raise ValueError(f"unknown event {name!r}")
            kind = "exception" if plan.exception else "event"
            type_header = ":exception-type" if plan.exception else ":event-type"
            headers: list[tuple[str, int, Any]] = [
                (type_header, _STRING, name),
                (":message-type", _STRING, kind),
                (":content-type", _STRING, plan.content_type),
            ]
            for member_name, wire_type in plan.headers:
                member_value = value.get(member_name)
                if member_value is not None:
                    if wire_type == _TRUE:
                        wire_type = _TRUE if member_value else _FALSE
                    headers.append((member_name, wire_type, member_value))
            if plan.payload_kind == "body":
                payload = plan.encode(value)
            else:
                raw = value.get(plan.payload_member)
                if raw is None:
                    payload = b""
                elif plan.payload_kind == "structure":
                    payload = plan.encode(raw)
                else:
                    payload = to_bytes(raw)
            return encode_message(headers, payload)
        raise ValueError("an event needs exactly one member set")

    def stream(self, events: Iterable[Mapping[str, Any]], first: Optional[bytes] = None) -> Iterator[bytes]:
        """Encoded messages for ``events``; a raised error ends the stream with an
        exception (modelled) or error message instead of breaking the connection."""
        if first is not None:
            yield first
        try:
            for event in events:
                yield self.encode_event(event)
        except ServiceError as error:
            plan = self._plans.get(error.code)
            if plan is not None and plan.exception:
                body = dict(error.members)
                if error.message:
                    body.setdefault(plan.message_member, error.message)
                yield self.encode_event({error.code: body})
            else:
                yield _error_message(error.code, error.message or "")
        except Exception:
            LOG.exception("event stream producer failed")
            yield _error_message("InternalFailure", "An internal error occurred while streaming the response.")
        finally:
            close = getattr(events, "close", None)  # a client that hangs up stops the producer
            if close is not None:
                close()


def _empty(value: Any) -> bytes:
    return b""


def _error_message(code: str, message: str) -> bytes:
    return encode_message(
        [(":message-type", _STRING, "error"), (":error-code", _STRING, code), (":error-message", _STRING, message)],
        b"",
    )


def initial_response_message(payload: bytes, content_type: str) -> bytes:
    """The first message of a json-protocol event stream: the non-stream output members."""
    return encode_message(
        [
            (":event-type", _STRING, "initial-response"),
            (":message-type", _STRING, "event"),
            (":content-type", _STRING, content_type),
        ],
        payload,
    )

