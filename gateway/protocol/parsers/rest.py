"""What ``rest-json`` and ``rest-xml`` share: everything but the body format.

The operation comes from the router (method + path + query literals of each
operation's ``requestUri``). Input members are read from where the model puts
them (``location``):

- ``uri``: a path label, percent-decoded; timestamps default to ISO 8601;
- ``querystring``: a named parameter (a list takes every value), or a map that
  collects every parameter except the template's literals: as Smithy asks of
  servers, parameters bound to named members appear in the map too;
- ``header``: one header; lists are comma separated (quoted items allowed),
  timestamps default to RFC 822 (HTTP date), ``jsonvalue`` strings are base64
  JSON; ``headers``: a map of every header starting with the prefix
  (``x-amz-meta-``), keys lowercased as S3 stores them;
- the ``payload`` member: a blob or string is the raw body; a structure or
  union is the body document. botocore sends ``{}`` for an unset structure
  payload, so an empty body or an empty JSON object leaves it absent;
- every other member: a field of the body document.

Operations with botocore's ``requestcompression`` trait may arrive gzipped;
``aws-chunked`` uploads (SigV4 streaming) are decoded for blob payloads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from botocore.model import OperationModel, ServiceModel, Shape
from werkzeug.datastructures import Headers

from ...http import HttpRequest
from ..errors import MalformedRequestError
from ..router import OperationRouter, Route
from .base import BadValue, RequestParser
from .chunked import decode_aws_chunked, effective_headers, is_aws_chunked
from .scalars import decode_base64, parse_timestamp

_WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})


@dataclass(frozen=True)
class _RestPlan:
    """Where each input member of one operation lives, computed once."""

    labels: tuple[tuple[str, str, Shape], ...]
    query: tuple[tuple[str, str, Shape], ...]
    query_map: tuple[str, Shape] | None
    literal_query_keys: frozenset[str]
    headers: tuple[tuple[str, str, Shape], ...]
    header_maps: tuple[tuple[str, str, Shape], ...]
    header_names: frozenset[str]
    payload: tuple[str, Shape] | None
    body_members: tuple[Any, ...]
    decompress: bool


_HeaderIndex = dict[str, list[str]]


def index_headers(headers: Headers) -> _HeaderIndex:
    """Lowercased name -> values, built once per request (werkzeug's lookups
    are linear scans, and S3 operations bind dozens of headers)."""
    index: _HeaderIndex = {}
    for name, value in headers:
        lowered = name.lower()
        values = index.get(lowered)
        if values is None:
            index[lowered] = [value]
        else:
            values.append(value)
    return index


def split_header_list(value: str) -> list[str]:
    """``a, "b,c", "\\"d\\""`` -> ``['a', 'b,c', '"d"']``."""
    if '"' not in value:
        return [item.strip() for item in value.split(",")] if value.strip() else []
    items: list[str] = []
    index, length = 0, len(value)
    while index < length:
        while index < length and value[index] in " \t":
            index += 1
        if index < length and value[index] == '"':
            index += 1
            buffer: list[str] = []
            while index < length and value[index] != '"':
                if value[index] == "\\" and index + 1 < length:
                    index += 1
                buffer.append(value[index])
                index += 1
            items.append("".join(buffer))
            comma = value.find(",", index)
            index = length if comma < 0 else comma + 1
        else:
            comma = value.find(",", index)
            stop = length if comma < 0 else comma
            items.append(value[index:stop].strip())
            index = stop + 1
    return items


def _join_http_dates(items: list[str]) -> list[str]:
    """``Mon, 16 Dec 2019 ...`` contains a comma: glue the weekday back on."""
    joined: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        if item.lower() in _WEEKDAYS and index + 1 < len(items):
            joined.append(f"{item}, {items[index + 1]}")
            index += 2
        else:
            joined.append(item)
            index += 1
    return joined


class BaseRestParser(RequestParser):
    """Subclasses provide the body format: ``_member_table`` (body members of a
    structure, entries ``(wire, name, shape, ...)``), ``_parse_body_members``
    and ``_parse_payload``."""

    def __init__(self, service: ServiceModel, **kwargs: Any) -> None:
        super().__init__(service, **kwargs)
        self.router = OperationRouter(service)

    # -- body format, per protocol ---------------------------------------------

    def _member_table(self, shape: Shape) -> tuple[Any, ...]:
        raise NotImplementedError

    def _parse_body_members(self, members: tuple[Any, ...], body: bytes) -> dict[str, Any]:
        raise NotImplementedError

    def _read_body_members(self, plan: "_RestPlan", request: HttpRequest) -> dict[str, Any]:
        """The body members (a protocol may read a spooled body its own way)."""
        body = self._body(request, plan.decompress)
        return self._parse_body_members(plan.body_members, body) if body else {}

    def _parse_payload(self, shape: Shape, body: bytes) -> Any:
        """The structured payload member from the body; ``None`` if absent."""
        raise NotImplementedError

    # -- request --------------------------------------------------------------

    def _parse_request(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        headers = index_headers(request.headers)
        route, labels = self.router.match(request.method, request.path, request.query_args, headers)
        operation = route.operation
        if operation.input_shape is None:
            return operation, {}
        plan = self._cached("rest", route, self._build_plan)
        params: dict[str, Any] = {}
        if plan.payload is not None:
            headers = self._read_payload(plan, request, params, headers)
        elif plan.body_members:
            params.update(self._read_body_members(plan, request))
        for name, label, member in plan.labels:
            text = labels.get(label)
            if text is not None:
                params[name] = self._convert(name, self._text_scalar, member, text, "iso8601")
        if plan.query or plan.query_map:
            self._read_query(plan, request.query_args, params)
        if plan.headers or plan.header_maps:
            self._read_headers(plan, headers, params)
        return operation, params

    def _build_plan(self, route: Route) -> _RestPlan:
        operation = route.operation
        shape = operation.input_shape
        labels, query, headers, header_maps = [], [], [], []
        query_map = None
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                labels.append((name, wire, member))
            elif location == "querystring":
                if member.type_name == "map":
                    query_map = (name, member)
                else:
                    query.append((name, wire, member))
            elif location == "header":
                headers.append((name, wire.lower(), member))
            elif location == "headers":
                header_maps.append((name, wire.lower(), member))
        payload_name = shape.serialization.get("payload")
        payload = (payload_name, shape.members[payload_name]) if payload_name else None
        body_members: tuple[Any, ...] = ()
        if payload is None:
            body_members = tuple(
                entry
                for entry in self._member_table(shape)
                if entry[2].serialization.get("location") is None
            )
        return _RestPlan(
            labels=tuple(labels),
            query=tuple(query),
            query_map=query_map,
            literal_query_keys=route.query_keys,
            headers=tuple(headers),
            header_maps=tuple(header_maps),
            header_names=frozenset(wire for _, wire, _ in headers),
            payload=payload,
            body_members=body_members,
            decompress=operation.request_compression is not None,
        )

    def _convert(self, name: str, convert: Callable[..., Any], *args: Any) -> Any:
        try:
            return convert(*args)
        except ValueError as error:
            raise BadValue.wrap(error, name) from None

    # -- locations ------------------------------------------------------------

    def _read_payload(
        self, plan: _RestPlan, request: HttpRequest, params: dict[str, Any], headers: _HeaderIndex
    ) -> _HeaderIndex:
        name, member = plan.payload  # type: ignore[misc]
        if member.type_name in ("blob", "string"):
            body = request.body
            if plan.decompress:
                body = self._body(request, True)
            if body and is_aws_chunked(request.headers):
                try:
                    body, trailers = decode_aws_chunked(body)
                except ValueError as error:
                    raise MalformedRequestError(str(error), code="IncompleteBody", status=400) from None
                headers = index_headers(effective_headers(request.headers, trailers))
            if body:
                if member.type_name == "blob":
                    params[name] = body
                else:
                    params[name] = self._convert(name, bytes.decode, body, "utf-8")
            return headers
        body = self._body(request, plan.decompress)
        if body:
            value = self._convert(name, self._parse_payload, member, body)
            if value is not None:
                params[name] = value
        return headers

    def _read_query(self, plan: _RestPlan, args: dict[str, list[str]], params: dict[str, Any]) -> None:
        text_scalar = self._text_scalar
        for name, key, member in plan.query:
            values = args.get(key)
            if values is None:
                continue
            try:
                if member.type_name == "list":
                    item_shape = member.member
                    params[name] = [text_scalar(item_shape, value, "iso8601") for value in values]
                else:
                    params[name] = text_scalar(member, values[0], "iso8601")
            except ValueError as error:
                raise BadValue.wrap(error, name) from None
        if plan.query_map is None:
            return
        name, member = plan.query_map
        value_shape = member.value
        entries: dict[str, Any] = {}
        try:
            for key, values in args.items():
                if key in plan.literal_query_keys:
                    continue
                if value_shape.type_name == "list":
                    item_shape = value_shape.member
                    entries[key] = [text_scalar(item_shape, value, "iso8601") for value in values]
                else:
                    entries[key] = text_scalar(value_shape, values[0], "iso8601")
        except ValueError as error:
            raise BadValue.wrap(error, name) from None
        if entries:
            params[name] = entries

    def _read_headers(self, plan: _RestPlan, headers: _HeaderIndex, params: dict[str, Any]) -> None:
        for name, header, member in plan.headers:
            values = headers.get(header)
            if values is None:
                continue
            raw = values[0] if len(values) == 1 else ", ".join(values)
            params[name] = self._convert(name, self._header_value, member, raw)
        for name, prefix, member in plan.header_maps:
            value_shape = member.value
            entries = {}
            for header, values in headers.items():
                if header.startswith(prefix) and header not in plan.header_names:
                    raw = values[0] if len(values) == 1 else ", ".join(values)
                    entries[header[len(prefix) :]] = self._convert(name, self._header_value, value_shape, raw)
            if entries:
                params[name] = entries

    def _header_value(self, shape: Shape, raw: str) -> Any:
        type_name = shape.type_name
        if type_name == "string":
            if shape.serialization.get("jsonvalue"):
                return self._json_header(raw)
            return raw
        if type_name == "list":
            items = split_header_list(raw)
            member = shape.member
            if member.type_name == "timestamp":
                items = _join_http_dates(items)
            return [self._header_value(member, item) for item in items]
        if type_name == "timestamp":
            return parse_timestamp(raw, shape.serialization.get("timestampFormat", "rfc822"))
        return self._text_scalar(shape, raw.strip(), "rfc822")

    def _json_header(self, raw: str) -> Any:
        return json.loads(decode_base64(raw.strip()))
