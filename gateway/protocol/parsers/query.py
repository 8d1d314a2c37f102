"""The ``query`` protocol (IAM, STS, SNS, CloudFormation, older SQS clients, ...).

The input is a flat list of ``key=value`` pairs, from the form-urlencoded body
(POST) and/or the query string (GET); the body wins on a clash. ``Action``
names the operation, ``Version`` is ignored. Keys are dotted paths that are
first folded into a tree (``Attributes.entry.1.key`` ->
``{"Attributes": {"entry": {"1": {"key": ...}}}}``) and the tree is then read
shape by shape:

- a structure member is the child named by its ``locationName`` (or name);
- a list is ``Name.member.N`` (``member`` replaced by the list member's
  ``locationName``); a ``flattened`` list is ``Name.N``, where ``Name`` may be
  the list member's ``locationName``. ``Name=`` (empty) is an empty list;
- a map is ``Name.entry.N.key`` / ``.value`` (``Name.N.key`` if flattened; the
  ``key``/``value`` names follow their ``locationName``);
- indexes are ordered numerically, gaps are tolerated;
- booleans are ``true``/``false``; timestamps default to ISO 8601; blobs are
  base64.

Errors follow the AWS Query common errors
(https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html):
``MissingAction`` / ``InvalidAction`` (400) when the operation is missing or
unknown, ``MalformedQueryString`` (404) when the form data cannot be decoded,
``InvalidParameterValue`` (400) for a value of the wrong type.
"""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import parse_qsl

from botocore.model import OperationModel, ServiceModel, Shape

from ...http import HttpRequest
from ..errors import OperationNotFoundError
from ..validation.messages import echo
from .base import BadValue, OperationTable, RequestParser
from .scalars import decode_base64, parse_boolean, parse_float, parse_integer, parse_timestamp

#: Most key=value pairs one request may carry.
MAX_QUERY_FIELDS = 100_000

_ABSENT: Any = object()
_QueryMember = tuple[str, Shape, tuple[str, ...]]
_Tree = dict[Any, Any]  # str -> subtree, None -> the node's own value


def build_tree(pairs: Iterable[tuple[str, str]]) -> _Tree:
    root: _Tree = {}
    for key, value in pairs:
        node = root
        for part in key.split("."):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[None] = value
    return root


def _indexed(node: _Tree) -> list[tuple[int, _Tree]]:
    items = [
        (int(key), child)
        for key, child in node.items()
        if key is not None and key.isdecimal() and key.isascii()
    ]
    items.sort(key=lambda item: item[0])
    return items


class QueryRequestParser(RequestParser):
    protocol = "query"
    SYNTAX_ERROR_CODE = "MalformedQueryString"
    SYNTAX_ERROR_STATUS = 404
    VALUE_ERROR_CODE = "InvalidParameterValue"
    TIMESTAMP_FORMAT = "iso8601"

    def __init__(self, service: ServiceModel, **kwargs: Any) -> None:
        super().__init__(service, **kwargs)
        self._operations = OperationTable(service)

    # -- request --------------------------------------------------------------

    def _parse_request(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        args = self._collect(request)
        action = args.pop("Action", None)
        args.pop("Version", None)
        if not action:
            raise OperationNotFoundError(
                "The request must contain the parameter Action.", code="MissingAction", status=400
            )
        operation = self._operations.get(action)
        if operation is None:
            raise OperationNotFoundError(
                f"The action {echo(action)} is not valid for this web service.",
                code="InvalidAction",
                status=400,
            )
        shape = operation.input_shape
        if shape is None or not args:
            return operation, {}
        return operation, self._parse_members(self._members(shape), build_tree(args.items()))

    def _collect(self, request: HttpRequest) -> dict[str, str]:
        pairs: list[tuple[str, str]] = []
        try:
            if request.query_string:
                pairs += parse_qsl(
                    request.query_string,
                    keep_blank_values=True,
                    errors="strict",
                    max_num_fields=MAX_QUERY_FIELDS,
                )
            content_type = request.headers.get("Content-Type", "")
            if request.body and (not content_type or "x-www-form-urlencoded" in content_type.lower()):
                body = self._body(request).decode("utf-8")
                pairs += parse_qsl(
                    body, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS
                )
        except ValueError as error:
            raise self._syntax_error(f"The query string is malformed: {error}") from None
        return dict(pairs)

    # -- shapes ---------------------------------------------------------------

    def _members(self, shape: Shape) -> tuple[_QueryMember, ...]:
        return self._cached(self.protocol, shape, self._member_table)

    def _member_table(self, shape: Shape) -> tuple[_QueryMember, ...]:
        entries = []
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            keys = [wire]
            if member.type_name == "list" and member.serialization.get("flattened"):
                item_name = member.member.serialization.get("name")
                if item_name and item_name != wire:
                    keys.append(item_name)
            entries.append((name, member, tuple(keys)))
        return tuple(entries)

    def _parse_members(self, members: tuple[_QueryMember, ...], node: _Tree) -> dict[str, Any]:
        handlers = self._handlers
        result: dict[str, Any] = {}
        for name, member, keys in members:
            child = None
            for key in keys:
                child = node.get(key)
                if child is not None:
                    break
            if child is None:
                continue
            try:
                value = handlers[member.type_name](member, child)
            except ValueError as error:
                raise BadValue.wrap(error, name) from None
            if value is not _ABSENT:
                result[name] = value
        return result

    def _parse_structure(self, shape: Shape, node: _Tree) -> Any:
        if len(node) == 1 and None in node:
            return _ABSENT
        return self._parse_members(self._members(shape), node)

    def _list_items(self, shape: Shape, node: _Tree) -> _Tree | None:
        """The node whose numbered children are the list's items."""
        if shape.serialization.get("flattened"):
            return node
        container = node.get(shape.member.serialization.get("name", "member"))
        if container is None and any(key is not None and key.isdecimal() for key in node):
            return node
        return container

    def _parse_list(self, shape: Shape, node: _Tree) -> Any:
        container = self._list_items(shape, node)
        if container is None:
            return [] if node.get(None) == "" else _ABSENT
        item = shape.member
        parse = self._handlers[item.type_name]
        result = []
        for index, child in _indexed(container):
            try:
                value = parse(item, child)
            except ValueError as error:
                raise BadValue.wrap(error, str(index)) from None
            if value is not _ABSENT:
                result.append(value)
        return result

    def _parse_map(self, shape: Shape, node: _Tree) -> Any:
        container = node if shape.serialization.get("flattened") else node.get("entry", node)
        key_name = shape.key.serialization.get("name", "key")
        value_shape = shape.value
        value_name = value_shape.serialization.get("name", "value")
        parse = self._handlers[value_shape.type_name]
        result: dict[str, Any] = {}
        for index, entry in _indexed(container):
            key = entry.get(key_name, {}).get(None)
            if key is None:
                raise BadValue(f"map entry {index} has no {key_name}")
            value_node = entry.get(value_name)
            if value_node is None:
                continue
            try:
                value = parse(value_shape, value_node)
            except ValueError as error:
                raise BadValue.wrap(error, key) from None
            if value is not _ABSENT:
                result[key] = value
        return result

    def _parse_string(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        return _ABSENT if text is None else text

    def _parse_integer(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        return _ABSENT if text is None else parse_integer(text, shape.type_name)

    def _parse_float(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        return _ABSENT if text is None else parse_float(text)

    def _parse_boolean(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        return _ABSENT if text is None else parse_boolean(text)

    def _parse_timestamp(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        if text is None:
            return _ABSENT
        return parse_timestamp(text, shape.serialization.get("timestampFormat", self.TIMESTAMP_FORMAT))

    def _parse_blob(self, shape: Shape, node: _Tree) -> Any:
        text = node.get(None)
        return _ABSENT if text is None else decode_base64(text)
