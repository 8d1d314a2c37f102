"""What every protocol parser shares: shape-type dispatch, error mapping, limits.

A parser is built once per service and reused for every request of it, from
many threads: everything derived from the model (operation tables, routers,
per-structure member tables) is computed once and cached on the parser; the
per-request work is reading the request.

Errors. Anything wrong with the client's input becomes a ``ProtocolError``:

- the document cannot be read at all (bad JSON/XML/form encoding): the
  protocol's *syntax* error (``SYNTAX_ERROR_CODE``);
- a value has the wrong type or cannot be converted (a string where an integer
  belongs, bad base64, an unparsable timestamp): the protocol's *value* error
  (``VALUE_ERROR_CODE``), with the member path in the message;
- no operation matches: ``OperationNotFoundError``.

Any other exception escaping ``parse`` is a bug in the gateway, not the client.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, ClassVar, TypeVar

from botocore.model import OperationModel, ServiceModel, Shape

from ...http import HttpRequest
from ..errors import MalformedRequestError, ProtocolError
from .scalars import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    decode_base64,
    parse_boolean,
    parse_float,
    parse_integer,
    parse_timestamp,
)

#: Largest structured body (JSON, XML, form) a parser will read, decompressed.
#: Lambda's own ceiling for a request is 70,167,211 bytes (a 50 MB zip, base64).
DEFAULT_MAX_DOCUMENT_SIZE = 128 * 1024 * 1024

_Plan = TypeVar("_Plan")
_Owner = TypeVar("_Owner")


class BadValue(ValueError):
    """A value the client sent cannot be converted; ``path`` locates it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []

    @classmethod
    def wrap(cls, error: ValueError, step: str) -> "BadValue":
        bad = error if isinstance(error, BadValue) else cls(str(error))
        bad.path.insert(0, step)
        return bad


class OperationTable:
    """Wire name (``X-Amz-Target`` suffix, ``Action``) -> operation, on demand.

    Operation models are created as they are first asked for, so a parser for
    EC2's 700-odd operations costs nothing up front. Model keys equal wire names
    everywhere but in CloudFront (a rest service), which the fallback covers.
    """

    def __init__(self, service: ServiceModel) -> None:
        self._service = service
        self._names = frozenset(service.operation_names)
        self._found: dict[str, OperationModel] = {}
        self._by_wire_name: dict[str, OperationModel] | None = None

    def get(self, wire_name: str) -> OperationModel | None:
        operation = self._found.get(wire_name)
        if operation is None:
            operation = self._lookup(wire_name)
            if operation is not None:
                self._found[wire_name] = operation
        return operation

    def _lookup(self, wire_name: str) -> OperationModel | None:
        if wire_name in self._names:
            operation = self._service.operation_model(wire_name)
            if operation.wire_name == wire_name:
                return operation
        if self._by_wire_name is None:
            self._by_wire_name = {
                operation.wire_name: operation
                for operation in map(self._service.operation_model, self._names)
            }
        return self._by_wire_name.get(wire_name)


class RequestParser:
    """Turns an ``HttpRequest`` into ``(OperationModel, params)``.

    ``params`` uses the model's member names as keys, exactly like boto3 client
    parameters; absent members are absent, never ``None``.
    """

    protocol: ClassVar[str] = ""
    SYNTAX_ERROR_CODE: ClassVar[str] = "SerializationException"
    SYNTAX_ERROR_STATUS: ClassVar[int] = 400
    VALUE_ERROR_CODE: ClassVar[str] = "SerializationException"
    VALUE_ERROR_STATUS: ClassVar[int] = 400
    #: Protocol default for timestamps in the body.
    TIMESTAMP_FORMAT: ClassVar[str] = "iso8601"

    def __init__(
        self, service: ServiceModel, *, max_document_size: int = DEFAULT_MAX_DOCUMENT_SIZE
    ) -> None:
        self.service = service
        self.max_document_size = max_document_size
        self._plans: dict[tuple[str, int], tuple[Any, Any]] = {}
        parse_integer_shape = self._parse_integer
        self._handlers: dict[str, Callable[[Shape, Any], Any]] = {
            "structure": self._parse_structure,
            "list": self._parse_list,
            "map": self._parse_map,
            "string": self._parse_string,
            "boolean": self._parse_boolean,
            "float": self._parse_float,
            "double": self._parse_float,
            "timestamp": self._parse_timestamp,
            "blob": self._parse_blob,
            **{name: parse_integer_shape for name in INTEGER_TYPES},
        }

    # -- public ---------------------------------------------------------------

    def parse(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        try:
            return self._parse_request(request)
        except BadValue as error:
            raise self._value_error(error) from None
        except RecursionError:
            raise self._syntax_error("The request is nested too deeply") from None

    # -- per protocol ---------------------------------------------------------

    def _parse_request(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        raise NotImplementedError

    def _parse_structure(self, shape: Shape, value: Any) -> Any:
        raise NotImplementedError

    def _parse_list(self, shape: Shape, value: Any) -> Any:
        raise NotImplementedError

    def _parse_map(self, shape: Shape, value: Any) -> Any:
        raise NotImplementedError

    # Scalars: by default the wire value is text (query, XML, headers, URI).

    def _parse_string(self, shape: Shape, value: Any) -> Any:
        return value

    def _parse_integer(self, shape: Shape, value: Any) -> Any:
        return parse_integer(value, shape.type_name)

    def _parse_float(self, shape: Shape, value: Any) -> Any:
        return parse_float(value)

    def _parse_boolean(self, shape: Shape, value: Any) -> Any:
        return parse_boolean(value)

    def _parse_timestamp(self, shape: Shape, value: Any) -> Any:
        return parse_timestamp(value, shape.serialization.get("timestampFormat", self.TIMESTAMP_FORMAT))

    def _parse_blob(self, shape: Shape, value: Any) -> Any:
        return decode_base64(value)

    # -- helpers --------------------------------------------------------------

    def _parse_shape(self, shape: Shape, value: Any) -> Any:
        return self._handlers.get(shape.type_name, self._parse_string)(shape, value)

    def _text_scalar(self, shape: Shape, text: str, timestamp_format: str) -> Any:
        """A scalar from text found outside the body: URI label, query, header."""
        type_name = shape.type_name
        if type_name == "string":
            return text
        if type_name in INTEGER_TYPES:
            return parse_integer(text, type_name)
        if type_name == "boolean":
            return parse_boolean(text)
        if type_name in FLOAT_TYPES:
            return parse_float(text)
        if type_name == "timestamp":
            return parse_timestamp(text, shape.serialization.get("timestampFormat", timestamp_format))
        if type_name == "blob":
            return decode_base64(text)
        raise BadValue(f"a {type_name} cannot be sent in this location")

    def _cached(self, kind: str, owner: _Owner, build: Callable[[_Owner], _Plan]) -> _Plan:
        """A plan for a shape (or route) computed once. Keyed by identity:
        botocore caches resolved member shapes on their parents, and the entry
        keeps the owner alive so its id is never reused. Concurrent first uses
        may both build; the results are equal."""
        key = (kind, id(owner))
        entry = self._plans.get(key)
        if entry is None or entry[0] is not owner:
            plan = build(owner)
            self._plans[key] = (owner, plan)
            return plan
        return entry[1]

    def _body(self, request: HttpRequest, decompress: bool = True) -> bytes:
        """The request body, gunzipped if the client compressed it (botocore's
        ``requestcompression``), capped at ``max_document_size``."""
        body = request.body
        if decompress:
            encoding = request.headers.get("Content-Encoding", "")
            if encoding and encoding.rsplit(",", 1)[-1].strip().lower() == "gzip":
                body = self._gunzip(body)
        self._check_document_size(len(body))
        return body

    def _check_document_size(self, length: int) -> None:
        if length > self.max_document_size:
            raise ProtocolError(
                f"The request body is larger than {self.max_document_size} bytes",
                code="RequestEntityTooLarge",
                status=413,
            )

    def _gunzip(self, body: bytes) -> bytes:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = decompressor.decompress(body, self.max_document_size + 1)
        except zlib.error:
            raise self._syntax_error("The request body is not valid gzip data") from None
        if len(data) > self.max_document_size or decompressor.unconsumed_tail:
            raise ProtocolError(
                f"The decompressed request body is larger than {self.max_document_size} bytes",
                code="RequestEntityTooLarge",
                status=413,
            )
        return data

    def _syntax_error(self, message: str) -> MalformedRequestError:
        return MalformedRequestError(
            message, code=self.SYNTAX_ERROR_CODE, status=self.SYNTAX_ERROR_STATUS
        )

    def _value_error(self, error: BadValue) -> MalformedRequestError:
        where = ".".join(error.path)
        message = f"{error.reason} (at '{where}')" if where else error.reason
        return MalformedRequestError(
            message, code=self.VALUE_ERROR_CODE, status=self.VALUE_ERROR_STATUS
        )
