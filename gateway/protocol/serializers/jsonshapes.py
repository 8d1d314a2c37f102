"""Shape -> JSON value encoders, compiled once per shape (json, rest-json, events).

``JsonEncoder.compile(shape)`` returns ``None`` when values of the shape are already
JSON as given (strings, numbers, booleans, documents, and lists/maps of those), or
a function converting a value. Structures always get a function: it drops ``None``
and unknown members and applies ``locationName`` (``jsonName``) renames.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from botocore.model import Shape

from .values import b64, json_default, json_float, timestamp_formatter

Encoder = Optional[Callable[[Any], Any]]

_dumps = json.JSONEncoder(separators=(",", ":"), default=json_default, ensure_ascii=False).encode


def dumps(value: Any) -> bytes:
    # A lone surrogate can only sit inside a JSON string, where "\udXXX" is its escape.
    return _dumps(value).encode("utf-8", "backslashreplace")


def shape_key(shape: Shape) -> tuple:
    """Identity of a shape with its member-level traits (same name, other traits:
    another encoder)."""
    return (shape.name, repr(sorted(shape.serialization.items())))


class _Structure:
    """Encodes a structure value: ``{member: value}`` -> ``{wire name: JSON value}``.

    Members whose values are JSON as given and keep their name (most of them) are
    copied in ``plain``; the others go through ``converted``.
    """

    __slots__ = ("plain", "converted")

    def __init__(self) -> None:
        self.plain: set[str] = set()
        self.converted: dict[str, tuple[str, Callable[[Any], Any]]] = {}

    def add(self, name: str, key: str, encode: Encoder) -> None:
        if encode is None and key == name:
            self.plain.add(name)
        else:
            self.converted[name] = (key, encode if encode is not None else _identity)

    def __call__(self, value: Any) -> dict:
        out = {}
        plain = self.plain
        converted = self.converted
        for name, item in value.items():
            if item is None:
                continue
            if name in plain:
                out[name] = item
                continue
            member = converted.get(name)
            if member is not None:
                out[member[0]] = member[1](item)
        return out


def _identity(value: Any) -> Any:
    return value


class JsonEncoder:
    """Compiles and caches encoders; one per serializer (callers hold the lock)."""

    def __init__(self, default_timestamp_format: str = "unixTimestamp") -> None:
        self._timestamp_format = default_timestamp_format
        self._cache: dict[tuple, Encoder] = {}

    def compile(self, shape: Shape) -> Encoder:
        key = shape_key(shape)
        if key in self._cache:
            return self._cache[key]
        kind = shape.type_name
        if kind == "structure" and not shape.is_document_type:
            encoder = _Structure()
            self._cache[key] = encoder  # before members: recursive shapes find it
            self._fill(encoder, shape, frozenset())
            return encoder
        encoder = self._compile_other(shape)
        self._cache[key] = encoder
        return encoder

    def structure(self, shape: Shape, exclude: frozenset = frozenset()) -> Callable[[Any], dict]:
        """A structure encoder leaving out ``exclude`` (members bound elsewhere)."""
        if not exclude:
            return self.compile(shape)  # type: ignore[return-value]
        encoder = _Structure()
        self._fill(encoder, shape, exclude)
        return encoder

    def _fill(self, encoder: _Structure, shape: Shape, exclude: frozenset) -> None:
        for name, member in shape.members.items():
            if name in exclude:
                continue
            encoder.add(name, member.serialization.get("name", name), self.compile(member))

    def _compile_other(self, shape: Shape) -> Encoder:
        kind = shape.type_name
        if kind == "timestamp":
            return timestamp_formatter(shape, self._timestamp_format)
        if kind == "blob":
            return b64
        if kind in ("float", "double"):
            return json_float
        if kind == "list":
            item = self.compile(shape.member)
            if item is None:
                return None
            return lambda value: [None if v is None else item(v) for v in value]
        if kind == "map":
            item = self.compile(shape.value)
            if item is None:
                return None
            return lambda value: {k: None if v is None else item(v) for k, v in value.items()}
        return None  # string, integer, long, boolean, document structures


def compile_error(encoder: JsonEncoder, info: Any) -> None:
    """Precompile the encoder ``error_members`` uses for a modelled error."""
    exclude = frozenset(m for m, _, _ in info.header_members)
    if info.message_member:
        exclude |= {info.message_member}
    info.cache["body"] = encoder.structure(info.shape, exclude)


def error_members(info: Any, sender_fault: bool, message: str, members: dict) -> dict:
    """The JSON members of an error body (json and rest-json): the message under the
    shape's own member name (``message`` when not modelled), the other members
    encoded per the shape, members the shape does not know passed as given, and
    Lambda-style ``Type`` ("User"/"Service") filled in when the service uses it;
    ``Type=None`` on the error leaves it out (AWS sends some errors without it)."""
    body: dict[str, Any] = {}
    shape = info.shape
    if message:
        body[info.message_member or "message"] = message
    if shape is None:
        body.update(members)
        return body
    struct = info.cache["body"]
    if info.fill_type and "Type" not in members:
        members = {**members, "Type": "User" if sender_fault else "Service"}
    elif "Type" in members and members["Type"] is None:
        members = {name: value for name, value in members.items() if name != "Type"}
    body.update(struct(members))
    for name, value in members.items():
        if name not in shape.members:
            body[name] = value
    return body
