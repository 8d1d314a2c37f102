"""What rest-json and rest-xml share: members bound to the status code, headers
and the payload, per the output shape's HTTP bindings.

- ``location: statusCode``: the member's value is the HTTP status (Lambda Invoke's
  ``StatusCode``); otherwise the operation's ``http.responseCode`` (default 200).
- ``location: header``: one header; timestamps as HTTP dates unless the shape says
  otherwise, ``jsonvalue`` strings as base64 JSON, lists comma-separated.
- ``location: headers``: a map written as ``<prefix><key>`` headers.
- ``payload``: a blob/string member is the raw body (bytes, str, a file object or
  an iterable of chunks, streamed); an ``eventstream`` member streams events; a
  structure member is the whole body. Without ``payload``, the unbound members
  form the body (none: an empty body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from botocore.model import OperationModel, Shape
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from . import eventstream
from .base import ResponseSerializer
from .headers import header_text
from .values import to_bytes

_CHUNK = 64 * 1024


def raw_body(value: Any) -> Any:
    """A blob/string payload as bytes, or an iterator of chunks for streams."""
    if value is None:
        return b""
    if isinstance(value, (bytes, str, bytearray, memoryview)):
        return to_bytes(value)
    if hasattr(value, "read"):
        return _read_chunks(value)
    return _iter_chunks(value)


def _read_chunks(stream: Any) -> Iterator[bytes]:
    try:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return
            yield to_bytes(chunk)
    finally:
        _close(stream)


def _iter_chunks(chunks: Any) -> Iterator[bytes]:
    try:
        for chunk in chunks:
            if chunk:
                yield to_bytes(chunk)
    finally:
        _close(chunks)


def _close(source: Any) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()


@dataclass
class RestPlan:
    status: int
    status_member: Optional[str] = None
    headers: list[tuple[str, str, Callable[[Any], str]]] = field(default_factory=list)
    prefixed: list[tuple[str, str]] = field(default_factory=list)
    payload_member: Optional[str] = None
    payload_kind: Optional[str] = None  # None (body members) | "raw" | "eventstream" | "structure"
    body: Optional[Callable[[Any], bytes]] = None  # body members / structure payload -> bytes
    stream: Optional[eventstream.EventStreamWriter] = None
    raw_content_type: Optional[str] = None


class RestSerializer(ResponseSerializer):
    """Base of rest-json and rest-xml; subclasses encode bodies."""

    RAW_CONTENT_TYPE = "application/octet-stream"
    STRING_CONTENT_TYPE = "text/plain"

    def _struct_bytes(self, shape: Shape, exclude: frozenset) -> Callable[[Any], bytes]:
        """Encoder of a structure value to a body in the protocol's format."""
        raise NotImplementedError

    def _payload_bytes(self, member: Shape) -> Callable[[Any], bytes]:
        return self._struct_bytes(member, frozenset())

    def _compile_operation(self, operation: OperationModel) -> RestPlan:
        plan = RestPlan(status=operation.http.get("responseCode", 200))
        shape = operation.output_shape
        if shape is None:
            return plan
        bound = set()
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location == "statusCode":
                plan.status_member = name
            elif location == "header":
                plan.headers.append((name, member.serialization.get("name", name), header_text(member)))
            elif location == "headers":
                plan.prefixed.append((name, member.serialization.get("name", "")))
            else:
                continue
            bound.add(name)
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            plan.payload_member = payload
            if member.serialization.get("eventstream"):
                plan.payload_kind = "eventstream"
                plan.stream = eventstream.EventStreamWriter(member, self._struct_bytes, self.CONTENT_TYPE)
            elif member.type_name in ("blob", "string"):
                plan.payload_kind = "raw"
                plan.raw_content_type = (
                    self.RAW_CONTENT_TYPE if member.type_name == "blob" else self.STRING_CONTENT_TYPE
                )
            else:
                plan.payload_kind = "structure"
                plan.body = self._payload_bytes(member)
        elif len(bound) < len(shape.members):
            plan.body = self._struct_bytes(shape, frozenset(bound))
        return plan

    def _serialize(self, plan: RestPlan, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
        headers = Headers()
        status = plan.status
        if plan.status_member is not None:
            value = result.get(plan.status_member)
            if value is not None:
                status = int(value)
        for member, header, to_text in plan.headers:
            value = result.get(member)
            if value is not None:
                headers.add(header, to_text(value))
        for member, prefix in plan.prefixed:
            values = result.get(member)
            if values:
                for key, value in values.items():
                    if value is not None:
                        headers.add(prefix + key, str(value))
        headers.add(self.REQUEST_ID_HEADER, request_id)
        content_type = self.CONTENT_TYPE
        kind = plan.payload_kind
        if kind is None:
            body = plan.body(result) if plan.body is not None else b""
        elif kind == "raw":
            body = raw_body(result.get(plan.payload_member))
            content_type = plan.raw_content_type
        elif kind == "eventstream":
            body = plan.stream.stream(result.get(plan.payload_member) or ())
            if "Content-Type" not in headers:  # a member bound to it wins (Lambda's ResponseStreamContentType)
                headers["Content-Type"] = eventstream.CONTENT_TYPE
        else:
            value = result.get(plan.payload_member)
            body = plan.body(value) if value is not None else b""
        return self._response(status, headers, body, content_type)
