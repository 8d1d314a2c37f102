"""The ``json`` protocol (DynamoDB, SQS, Kinesis, CloudWatch Logs, ...).

The operation comes from ``X-Amz-Target: <targetPrefix>.<Operation>``; the
whole input is the JSON body. ``JSONShapeParser`` (JSON values -> params) is
shared with ``rest-json``, which uses it for bodies and structure payloads.

JSON rules, following botocore's serializer:

- a member's key is its ``locationName`` if it has one, else its name;
- ``null`` means absent, in structures, lists and maps alike;
- blobs are base64 strings; timestamps default to epoch seconds (a number,
  possibly fractional) and honour ``timestampFormat``;
- floats also accept the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
- a document (``document: true``) is passed through as decoded JSON;
- a value of the wrong JSON type is a ``SerializationException``.

A body the server spooled to a file (large requests) is read by
``spooled_json.load_spooled``: its very long strings stay in the file, and a
blob member among them arrives as a file-backed ``SpooledBlob`` (decoded in
chunks) instead of ``bytes``; the small-body path is unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from ...http import HttpRequest
from ..errors import OperationNotFoundError
from ..validation.messages import echo
from .base import BadValue, OperationTable, RequestParser
from .scalars import check_integer, decode_base64, parse_timestamp
from .spooled_json import LongString, load_spooled, open_spooled, resolve

_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_JSON_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    LongString: "a string",
}


def _describe(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


class JSONShapeParser(RequestParser):
    """Decoded JSON -> params, dispatching on shape type."""

    TIMESTAMP_FORMAT = "unixtimestamp"

    def _load_json(self, body: bytes) -> Any:
        if not body or body.isspace():
            return None
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as error:
            raise self._syntax_error(f"The request body is not valid JSON: {error}") from None

    def _load_request_json(self, request: HttpRequest, decompress: bool = True) -> Any:
        """The request's JSON document; a spooled body (not gzipped) is read in
        chunks, its long strings left in the file (``LongString``)."""
        spooled = open_spooled(request)
        if spooled is None or (decompress and request.headers.get("Content-Encoding")):
            return self._load_json(self._body(request, decompress))
        file, length = spooled
        self._check_document_size(length)
        try:
            return load_spooled(file, length)
        except (ValueError, RecursionError) as error:
            raise self._syntax_error(f"The request body is not valid JSON: {error}") from None

    def _json_members(self, shape: Shape) -> tuple[tuple[str, str, Shape], ...]:
        return self._cached("json", shape, _json_member_table)

    def _parse_structure(self, shape: Shape, value: Any) -> Any:
        if shape.is_document_type:
            return resolve(value)
        if not isinstance(value, dict):
            raise BadValue(f"expected an object, got {_describe(value)}")
        return self._parse_members(self._json_members(shape), value)

    def _parse_members(
        self, members: tuple[tuple[str, str, Shape], ...], value: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        handlers = self._handlers
        for key, name, member in members:
            item = value.get(key)
            if item is None:
                continue
            try:
                result[name] = handlers[member.type_name](member, item)
            except ValueError as error:
                raise BadValue.wrap(error, name) from None
        return result

    def _parse_list(self, shape: Shape, value: Any) -> Any:
        if not isinstance(value, list):
            raise BadValue(f"expected an array, got {_describe(value)}")
        member = shape.member
        parse = self._handlers[member.type_name]
        result = []
        for index, item in enumerate(value):
            if item is None:
                continue
            try:
                result.append(parse(member, item))
            except ValueError as error:
                raise BadValue.wrap(error, f"[{index}]") from None
        return result

    def _parse_map(self, shape: Shape, value: Any) -> Any:
        if not isinstance(value, dict):
            raise BadValue(f"expected an object, got {_describe(value)}")
        member = shape.value
        parse = self._handlers[member.type_name]
        result = {}
        for key, item in value.items():
            if item is None:
                continue
            try:
                result[key] = parse(member, item)
            except ValueError as error:
                raise BadValue.wrap(error, key) from None
        return result

    def _parse_string(self, shape: Shape, value: Any) -> Any:
        if not isinstance(value, str):
            if isinstance(value, LongString):
                return value.text()
            raise BadValue(f"expected a string, got {_describe(value)}")
        return value

    def _parse_integer(self, shape: Shape, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadValue(f"expected an integer, got {_describe(value)}")
        if isinstance(value, float):
            if not value.is_integer():
                raise BadValue(f"expected an integer, got {value}")
            value = int(value)
        return check_integer(value, shape.type_name)

    def _parse_float(self, shape: Shape, value: Any) -> Any:
        if isinstance(value, bool):
            raise BadValue("expected a number, got a boolean")
        if isinstance(value, (int, float)):
            return float(value)
        special = _SPECIAL_FLOATS.get(value) if isinstance(value, str) else None
        if special is None:
            raise BadValue(f"expected a number, got {_describe(value)}")
        return special

    def _parse_boolean(self, shape: Shape, value: Any) -> Any:
        if not isinstance(value, bool):
            raise BadValue(f"expected a boolean, got {_describe(value)}")
        return value

    def _parse_timestamp(self, shape: Shape, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise BadValue(f"expected a timestamp, got {_describe(value)}")
        return parse_timestamp(value, shape.serialization.get("timestampFormat", self.TIMESTAMP_FORMAT))

    def _parse_blob(self, shape: Shape, value: Any) -> Any:
        if not isinstance(value, str):
            if isinstance(value, LongString):
                return value.decode_base64()  # a SpooledBlob
            raise BadValue(f"expected a base64-encoded string, got {_describe(value)}")
        return decode_base64(value)


def _json_member_table(shape: Shape) -> tuple[tuple[str, str, Shape], ...]:
    return tuple(
        (member.serialization.get("name", name), name, member)
        for name, member in shape.members.items()
    )


class JSONRequestParser(JSONShapeParser):
    """``X-Amz-Target`` names the operation; the body is the input structure."""

    protocol = "json"

    def __init__(self, service: ServiceModel, **kwargs: Any) -> None:
        super().__init__(service, **kwargs)
        self._prefix = service.metadata.get("targetPrefix")
        self._operations = OperationTable(service)

    def _parse_request(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        operation = self._find_operation(request)
        shape = operation.input_shape
        if shape is None:
            return operation, {}
        document = self._load_request_json(request)
        if document is None:
            return operation, {}
        if not isinstance(document, dict):
            raise self._syntax_error(f"The request body must be a JSON object, not {_describe(document)}")
        return operation, self._parse_members(self._json_members(shape), document)

    def _find_operation(self, request: HttpRequest) -> OperationModel:
        target = request.headers.get("X-Amz-Target", "")
        prefix, _, name = target.rpartition(".")
        operation = None
        if name and (prefix == self._prefix or not self._prefix):
            operation = self._operations.get(name)
        if operation is None:
            message = (
                f"Unknown operation {echo(target)!r}" if target else "Missing X-Amz-Target header"
            )
            raise OperationNotFoundError(message, code="UnknownOperationException", status=400)
        return operation
