"""The ``rest-xml`` protocol (S3, Route 53, CloudFront).

Routing, URI labels, query string and headers come from ``BaseRestParser``;
the body is XML. Reading is lenient about what clients disagree on and strict
about values:

- the root element's name and all namespaces are ignored (a payload or input
  wrapper may be named after the member, the shape, or ``locationName``);
- a member is the child element named by its ``locationName`` (or its name);
  ``xmlAttribute`` members are attributes (``xsi:type`` matches ``type`` in
  any namespace);
- lists are wrapped (``<Items><member>..</member></Items>``, the item element
  named by the list member's ``locationName``) or, if ``flattened``, repeated
  elements in the parent; maps are ``entry`` elements (or repeated elements if
  flattened) holding ``key``/``value`` (or their ``locationName``s);
- strings keep their whitespace; other scalars are trimmed first. Timestamps
  default to ISO 8601, blobs are base64.

Errors use S3's codes: ``MalformedXML`` for a body that is not well-formed,
``InvalidArgument`` for a value of the wrong type. Documents with a DTD are
refused (no entity expansion), and the body is always read as UTF-8.
"""

from __future__ import annotations

from typing import Any, Union
from xml.etree.ElementTree import Element, ParseError, XMLParser

from botocore.model import Shape

from .base import BadValue
from .rest import BaseRestParser
from .scalars import decode_base64, parse_boolean, parse_float, parse_integer, parse_timestamp

_ATTRIBUTE, _ELEMENT, _FLAT_LIST, _FLAT_MAP = range(4)

_XmlValue = Union[Element, str]
_XmlMember = tuple[str, str, Shape, int, tuple[str, ...]]


def _local(name: str) -> str:
    return name.rpartition("}")[2] if name[:1] == "{" else name


def _text(node: _XmlValue) -> str:
    return node if isinstance(node, str) else (node.text or "")


def _children(element: Element) -> dict[str, list[Element]]:
    grouped: dict[str, list[Element]] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            grouped.setdefault(_local(tag), []).append(child)
    return grouped


def _xml_member_table(shape: Shape) -> tuple[_XmlMember, ...]:
    entries: list[_XmlMember] = []
    for name, member in shape.members.items():
        serialization = member.serialization
        wire = serialization.get("name", name)
        if serialization.get("xmlAttribute"):
            entries.append((wire, name, member, _ATTRIBUTE, (wire.rpartition(":")[2],)))
        elif member.type_name == "list" and serialization.get("flattened"):
            item_name = member.member.serialization.get("name")
            tags = (wire, item_name) if item_name and item_name != wire else (wire,)
            entries.append((wire, name, member, _FLAT_LIST, tags))
        elif member.type_name == "map" and serialization.get("flattened"):
            entries.append((wire, name, member, _FLAT_MAP, (wire,)))
        else:
            # A ``locationName`` on the target shape leaks into botocore's member
            # name; Smithy clients use the member name. Accept both.
            tags = (wire, name) if wire != name else (wire,)
            entries.append((wire, name, member, _ELEMENT, tags))
    return tuple(entries)


class RestXMLRequestParser(BaseRestParser):
    protocol = "rest-xml"
    SYNTAX_ERROR_CODE = "MalformedXML"
    VALUE_ERROR_CODE = "InvalidArgument"
    TIMESTAMP_FORMAT = "iso8601"

    # -- body -----------------------------------------------------------------

    def _load_xml(self, body: bytes) -> Element | None:
        if not body or body.isspace():
            return None
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            raise self._syntax_error("XML documents with a DTD are not accepted")
        parser = XMLParser(encoding="utf-8")
        try:
            parser.feed(body)
            return parser.close()
        except (ParseError, ValueError, LookupError) as error:
            raise self._syntax_error(
                "The XML you provided was not well-formed or did not validate against "
                f"our published schema ({error})"
            ) from None

    def _member_table(self, shape: Shape) -> tuple[Any, ...]:
        return self._cached("xml", shape, _xml_member_table)

    def _parse_body_members(self, members: tuple[Any, ...], body: bytes) -> dict[str, Any]:
        root = self._load_xml(body)
        return {} if root is None else self._parse_members(members, root)

    def _parse_payload(self, shape: Shape, body: bytes) -> Any:
        root = self._load_xml(body)
        if root is None:
            return None
        return self._parse_shape(shape, root)

    # -- shapes ---------------------------------------------------------------

    def _parse_structure(self, shape: Shape, node: _XmlValue) -> Any:
        if isinstance(node, str):
            raise BadValue("expected an element, got an attribute")
        return self._parse_members(self._member_table(shape), node)

    def _parse_members(self, members: tuple[_XmlMember, ...], element: Element) -> dict[str, Any]:
        children = _children(element)
        attributes: dict[str, str] | None = None
        handlers = self._handlers
        result: dict[str, Any] = {}
        for _, name, member, kind, tags in members:
            try:
                if kind == _ATTRIBUTE:
                    if attributes is None:
                        attributes = {_local(key): value for key, value in element.attrib.items()}
                    value = attributes.get(tags[0])
                    if value is not None:
                        result[name] = handlers[member.type_name](member, value)
                    continue
                nodes = None
                for tag in tags:
                    nodes = children.get(tag)
                    if nodes:
                        break
                if not nodes:
                    continue
                if kind == _FLAT_LIST:
                    item = member.member
                    parse = handlers[item.type_name]
                    result[name] = [parse(item, node) for node in nodes]
                elif kind == _FLAT_MAP:
                    result[name] = self._map_entries(member, nodes)
                else:
                    result[name] = handlers[member.type_name](member, nodes[0])
            except ValueError as error:
                raise BadValue.wrap(error, name) from None
        return result

    def _parse_list(self, shape: Shape, node: _XmlValue) -> Any:
        if isinstance(node, str):
            raise BadValue("expected an element, got an attribute")
        item = shape.member
        tag = item.serialization.get("name", "member")
        items = [child for child in node if isinstance(child.tag, str)]
        matching = [child for child in items if _local(child.tag) == tag]
        parse = self._handlers[item.type_name]
        result = []
        for index, child in enumerate(matching or items):
            try:
                result.append(parse(item, child))
            except ValueError as error:
                raise BadValue.wrap(error, f"[{index}]") from None
        return result

    def _parse_map(self, shape: Shape, node: _XmlValue) -> Any:
        if isinstance(node, str):
            raise BadValue("expected an element, got an attribute")
        entries = [child for child in node if isinstance(child.tag, str)]
        return self._map_entries(shape, entries)

    def _map_entries(self, shape: Shape, entries: list[Element]) -> dict[str, Any]:
        key_tag = shape.key.serialization.get("name", "key")
        value_shape = shape.value
        value_tag = value_shape.serialization.get("name", "value")
        parse = self._handlers[value_shape.type_name]
        result: dict[str, Any] = {}
        for entry in entries:
            key_node = value_node = None
            for child in entry:
                if not isinstance(child.tag, str):
                    continue
                tag = _local(child.tag)
                if tag == key_tag:
                    key_node = child
                elif tag == value_tag:
                    value_node = child
            if key_node is None:
                raise BadValue("a map entry has no key")
            key = key_node.text or ""
            if value_node is None:
                continue
            try:
                result[key] = parse(value_shape, value_node)
            except ValueError as error:
                raise BadValue.wrap(error, key) from None
        return result

    def _parse_string(self, shape: Shape, node: _XmlValue) -> Any:
        return _text(node)

    def _parse_integer(self, shape: Shape, node: _XmlValue) -> Any:
        return parse_integer(_text(node), shape.type_name)

    def _parse_float(self, shape: Shape, node: _XmlValue) -> Any:
        return parse_float(_text(node))

    def _parse_boolean(self, shape: Shape, node: _XmlValue) -> Any:
        return parse_boolean(_text(node))

    def _parse_timestamp(self, shape: Shape, node: _XmlValue) -> Any:
        return parse_timestamp(
            _text(node), shape.serialization.get("timestampFormat", self.TIMESTAMP_FORMAT)
        )

    def _parse_blob(self, shape: Shape, node: _XmlValue) -> Any:
        return decode_base64(_text(node))
