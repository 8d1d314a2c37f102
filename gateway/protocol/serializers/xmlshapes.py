"""Shape -> XML writers, compiled once per shape (query, ec2, rest-xml, events).

A writer is ``write(out, tag, value)``: it appends the element ``<tag>...</tag>``
for ``value`` to the list ``out`` (joined once at the end). Names come from
``locationName``; lists are wrapped (items ``<member>`` unless named) or
``flattened`` (one element per item); maps are ``<entry><key/><value/></entry>``
or flattened; ``xmlAttribute`` members become attributes of their structure and
``xmlNamespace`` an ``xmlns`` attribute. Timestamps default to ISO 8601.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore.model import Shape

from .jsonshapes import shape_key
from .values import (
    b64,
    bool_text,
    float_text,
    int_text,
    timestamp_formatter,
    timestamp_text,
    xml_attr,
    xml_text,
)

Writer = Callable[[list, str, Any], None]


def namespace_attr(shape: Shape) -> str:
    namespace = shape.serialization.get("xmlNamespace")
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{xml_attr(namespace)}"'
    prefix = namespace.get("prefix")
    attr = f"xmlns:{prefix}" if prefix else "xmlns"
    return f' {attr}="{xml_attr(namespace.get("uri", ""))}"'


def member_tag(name: str, member: Shape) -> str:
    """The element name of a structure member (a flattened list's items may carry it)."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name:
            return item_name
    return member.serialization.get("name", name)


class XmlStructure:
    __slots__ = ("children", "attributes", "ns")

    def __init__(self, ns: str = "") -> None:
        self.children: dict[str, tuple[str, Writer]] = {}
        self.attributes: list[tuple[str, str, Callable[[Any], str]]] = []
        self.ns = ns

    def write(self, out: list, tag: str, value: Any) -> None:
        attrs = self.ns
        for member, attr_name, to_text in self.attributes:
            item = value.get(member)
            if item is not None:
                attrs += f' {attr_name}="{xml_attr(to_text(item))}"'
        out.append(f"<{tag}{attrs}>")
        self.write_members(out, value)
        out.append(f"</{tag}>")

    def write_members(self, out: list, value: Any) -> None:
        children = self.children
        for name, item in value.items():
            if item is None:
                continue
            child = children.get(name)
            if child is not None:
                child[1](out, child[0], item)


class XmlEncoder:
    """Compiles and caches writers; one per serializer (callers hold the lock)."""

    def __init__(self, default_list_member: str = "member") -> None:
        self._list_member = default_list_member
        self._cache: dict[tuple, Writer] = {}

    def writer(self, shape: Shape) -> Writer:
        key = shape_key(shape)
        writer = self._cache.get(key)
        if writer is None:
            if shape.type_name == "structure":
                struct = XmlStructure(namespace_attr(shape))
                self._cache[key] = struct.write  # before members: recursive shapes find it
                self._fill(struct, shape, frozenset())
                return struct.write
            writer = self._cache[key] = self._compile_other(shape)
        return writer

    def structure(self, shape: Shape, exclude: frozenset = frozenset(), ns: str | None = None) -> XmlStructure:
        """A structure writer leaving out ``exclude``, with ``ns`` as its namespace
        attribute when the shape declares none (uncached: top-level use)."""
        struct = XmlStructure(namespace_attr(shape) or (ns or ""))
        self._fill(struct, shape, exclude)
        return struct

    def _fill(self, struct: XmlStructure, shape: Shape, exclude: frozenset) -> None:
        for name, member in shape.members.items():
            if name in exclude:
                continue
            if member.serialization.get("xmlAttribute"):
                struct.attributes.append((name, member.serialization.get("name", name), scalar_text(member)))
            else:
                struct.children[name] = (member_tag(name, member), self.writer(member))

    def _compile_other(self, shape: Shape) -> Writer:
        kind = shape.type_name
        ns = namespace_attr(shape)
        if kind == "list":
            return self._list(shape, ns)
        if kind == "map":
            return self._map(shape, ns)
        to_text = scalar_text(shape)
        if to_text is str:  # strings may need escaping; numbers, dates and base64 never do

            def write_string(out: list, tag: str, value: Any) -> None:
                out.append(f"<{tag}{ns}>{xml_text(value if isinstance(value, str) else str(value))}</{tag}>")

            return write_string

        def write_scalar(out: list, tag: str, value: Any) -> None:
            out.append(f"<{tag}{ns}>{to_text(value)}</{tag}>")

        return write_scalar

    def _list(self, shape: Shape, ns: str) -> Writer:
        item = self.writer(shape.member)
        if shape.serialization.get("flattened"):

            def write_flat(out: list, tag: str, value: Any) -> None:
                for entry in value:
                    if entry is not None:
                        item(out, tag, entry)

            return write_flat
        item_tag = shape.member.serialization.get("name", self._list_member)

        def write_list(out: list, tag: str, value: Any) -> None:
            out.append(f"<{tag}{ns}>")
            for entry in value:
                if entry is not None:
                    item(out, item_tag, entry)
            out.append(f"</{tag}>")

        return write_list

    def _map(self, shape: Shape, ns: str) -> Writer:
        key_text = scalar_text(shape.key)
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        value_writer = self.writer(shape.value)
        if shape.serialization.get("flattened"):

            def write_flat(out: list, tag: str, value: Any) -> None:
                for key, entry in value.items():
                    if entry is not None:
                        out.append(f"<{tag}{ns}><{key_tag}>{xml_text(key_text(key))}</{key_tag}>")
                        value_writer(out, value_tag, entry)
                        out.append(f"</{tag}>")

            return write_flat

        def write_map(out: list, tag: str, value: Any) -> None:
            out.append(f"<{tag}{ns}>")
            for key, entry in value.items():
                if entry is not None:
                    out.append(f"<entry><{key_tag}>{xml_text(key_text(key))}</{key_tag}>")
                    value_writer(out, value_tag, entry)
                    out.append("</entry>")
            out.append(f"</{tag}>")

        return write_map


def scalar_text(shape: Shape) -> Callable[[Any], str]:
    kind = shape.type_name
    if kind == "timestamp":
        return timestamp_text(timestamp_formatter(shape, "iso8601"))
    if kind == "boolean":
        return bool_text
    if kind in ("integer", "long", "short", "byte"):
        return int_text
    if kind in ("float", "double"):
        return float_text
    if kind == "blob":
        return b64
    return str


def write_loose(out: list, members: dict) -> None:
    """Members a shape does not model (e.g. S3's ``BucketName`` in errors) as text."""
    for name, value in members.items():
        if value is not None:
            out.append(f"<{name}>{xml_text(str(value))}</{name}>")
