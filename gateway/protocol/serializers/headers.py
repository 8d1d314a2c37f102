"""Member values bound to HTTP headers (``location: header``) as header text.

Timestamps are HTTP dates unless the shape names another ``timestampFormat``;
``jsonvalue`` strings are base64-encoded JSON; lists are comma-separated, strings
containing a comma or a quote quoted as RFC 7230 says.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore.model import Shape

from .jsonshapes import dumps
from .values import b64, bool_text, float_text, int_text, timestamp_formatter, timestamp_text


def _quote(text: str) -> str:
    if "," in text or '"' in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def header_text(shape: Shape) -> Callable[[Any], str]:
    """Converter of a header-bound member value to the header's text."""
    kind = shape.type_name
    if kind == "string":
        if shape.serialization.get("jsonvalue"):
            return lambda value: b64(dumps(value))
        return str
    if kind == "timestamp":
        return timestamp_text(timestamp_formatter(shape, "rfc822"))
    if kind == "boolean":
        return bool_text
    if kind in ("integer", "long", "short", "byte"):
        return int_text
    if kind in ("float", "double"):
        return float_text
    if kind == "blob":
        return b64
    if kind == "list":
        item = header_text(shape.member)
        if shape.member.type_name == "string":
            return lambda values: ",".join(_quote(item(v)) for v in values if v is not None)
        return lambda values: ",".join(item(v) for v in values if v is not None)
    return str
