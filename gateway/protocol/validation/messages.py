"""AWS's wording of validation errors: values printed as Java prints them,
Java string lengths, member paths and the ``N validation errors detected``
message (see ``gateway.protocol.validate`` for the recorded formats).

Hostile input is normal input: a value is repeated in a message whole only up
to ``ECHO_LIMIT`` characters (``echo``), and a message listing many violations
stops at ``MESSAGE_LIMIT``. No recording shows where AWS cuts a long value; the
bounds follow AWS's own error shapes, whose ``message`` members are at most
1,024 or 2,048 characters in most service models, so that every message AWS
was recorded sending (names, ARNs, enum lists) is still repeated whole."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Optional

from botocore.model import Shape


#: The longest client value an error message repeats whole (characters).
ECHO_LIMIT = 1024
#: The longest validation message listing several violations (characters).
MESSAGE_LIMIT = 4 * ECHO_LIMIT
_ELLIPSIS = "..."


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` as an error message may repeat it: whole up to ``limit``
    characters, else its first ``limit`` characters and ``...``."""
    if len(text) <= limit:
        return text
    return text[:limit] + _ELLIPSIS


def format_message(errors: list[str]) -> str:
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return echo(f"{count} validation {noun} detected: " + "; ".join(errors), MESSAGE_LIMIT)


def renderer(shape: Shape) -> Callable[[Any, str, str], str]:
    """One violation's text for values of ``shape`` (the value left out if sensitive)."""
    hidden = is_sensitive(shape)

    def render(value: Any, path: str, constraint: str) -> str:
        if hidden:
            return f"Value at '{path}' failed to satisfy constraint: {constraint}"
        return f"Value '{echo(render_value(value, shape))}' at '{path}' failed to satisfy constraint: {constraint}"

    return render


def render_value(value: Any, shape: Optional[Shape] = None) -> str:
    """A value as AWS (Java) prints it in validation messages."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if shape is not None and shape.type_name in ("float", "double"):
            return java_double(float(value))
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, (bytes, bytearray)):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, datetime):
        return value.strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, list):
        member = shape.member if shape is not None and shape.type_name == "list" else None
        return "[" + ", ".join(render_value(item, member) for item in value) + "]"
    if isinstance(value, dict):
        if shape is not None and shape.type_name == "structure":
            members = shape.members
            parts = (
                f"{path_name(key)}={render_value(item, members.get(key))}"
                for key, item in value.items()
            )
            return f"{shape.name}({', '.join(parts)})"
        item_shape = shape.value if shape is not None and shape.type_name == "map" else None
        return "{" + ", ".join(f"{key}={render_value(item, item_shape)}" for key, item in value.items()) + "}"
    return str(value)


def java_double(value: float) -> str:
    """``Double.toString``: ``2.0``, ``0.001``, ``1.0E7``, ``1.234E-5``, ``NaN``."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if 1e-3 <= magnitude < 1e7:
        text = repr(magnitude)
        if "e" in text:  # pragma: no cover - repr is positional in this range
            text = format(Decimal(text), "f")
        return sign + (text if "." in text else text + ".0")
    digits = Decimal(repr(magnitude)).normalize().as_tuple()
    mantissa = "".join(map(str, digits.digits))
    exponent = digits.exponent + len(mantissa) - 1
    return f"{sign}{mantissa[0]}.{mantissa[1:] or '0'}E{exponent}"


def integer_text(limit: Any) -> str:
    return str(int(limit)) if isinstance(limit, float) and limit.is_integer() else str(limit)


def utf16_length(text: str) -> int:
    """Java's ``String.length()``: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def path_name(member: str) -> str:
    """A member's name in a path: first letter lower-cased (``kMSKeyArn``)."""
    return member[:1].lower() + member[1:]


def is_sensitive(shape: Shape) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "list":
        return bool(shape.member.metadata.get("sensitive"))
    if shape.type_name == "map":
        return bool(shape.key.metadata.get("sensitive") or shape.value.metadata.get("sensitive"))
    return False
