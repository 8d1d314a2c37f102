"""Scalar conversions shared by every protocol: timestamps, floats, blobs, escaping.

Providers hand the serializers values shaped like what a boto3 client returns, so
a timestamp may arrive as an aware or naive ``datetime`` (naive means UTC), as
epoch seconds (``int``/``float``) or as a string (ISO 8601, RFC 822 or epoch
digits); a blob as ``bytes`` or ``str``. Everything here turns those into the
text or JSON value the wire format wants.
"""

from __future__ import annotations

import base64
import calendar
import math
from datetime import date, datetime, timezone
from typing import Any, Callable

from botocore.utils import parse_timestamp

UTC = timezone.utc
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_datetime(value: Any) -> datetime:
    """An aware UTC ``datetime`` from any accepted timestamp representation."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            return to_datetime(parse_timestamp(value))
    raise TypeError(f"not a timestamp: {value!r}")


def epoch_seconds(value: Any) -> int | float:
    """Seconds since the epoch; an int when whole, else milliseconds precision."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 3)
    moment = to_datetime(value)
    seconds = calendar.timegm(moment.utctimetuple())
    millis = moment.microsecond // 1000
    return seconds + millis / 1000 if millis else seconds


def iso8601(value: Any) -> str:
    """``2014-04-29T18:30:38Z``, with ``.123`` milliseconds when there are any."""
    moment = to_datetime(value).replace(tzinfo=None)
    if moment.microsecond >= 1000:
        return moment.isoformat(timespec="milliseconds") + "Z"
    return moment.isoformat(timespec="seconds") + "Z"


def rfc822(value: Any) -> str:
    """HTTP date, ``Tue, 29 Apr 2014 18:30:38 GMT`` (locale independent)."""
    moment = to_datetime(value)
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment:%H:%M:%S} GMT"
    )


TIMESTAMP_FORMATTERS: dict[str, Callable[[Any], Any]] = {
    "iso8601": iso8601,
    "unixTimestamp": epoch_seconds,
    "rfc822": rfc822,
}


def timestamp_formatter(shape: Any, default: str) -> Callable[[Any], Any]:
    """The formatter for a timestamp shape (its ``timestampFormat`` or the default)."""
    fmt = shape.serialization.get("timestampFormat") or default
    try:
        return TIMESTAMP_FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown timestampFormat {fmt!r} on shape {shape.name}") from None


def timestamp_text(formatter: Callable[[Any], Any]) -> Callable[[Any], str]:
    """A formatter whose result is always text (epoch seconds in XML or headers)."""
    if formatter is epoch_seconds:
        return lambda value: str(epoch_seconds(value))
    return formatter


def to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"not a blob: {type(value).__name__}")


def b64(value: Any) -> str:
    return base64.b64encode(to_bytes(value)).decode("ascii")


def json_float(value: Any) -> Any:
    """A float as JSON allows it: non-finite values become "NaN"/"Infinity"/"-Infinity"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return value


def float_text(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        return repr(value)
    return str(value)


def bool_text(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    return "true" if value else "false"


def int_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, bool) else str(value)


# Control characters XML 1.0 cannot carry at all (not even as references) become U+FFFD.
_INVALID_XML = {code: "\ufffd" for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]}
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;", **_INVALID_XML})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#xD;", "\n": "&#10;", "\t": "&#9;",
     **_INVALID_XML}
)


def xml_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES)


def xml_attr(text: str) -> str:
    return text.translate(_ATTR_ESCAPES)


def xml_bytes(parts: list) -> bytes:
    """The joined document; characters UTF-8 cannot carry become character references."""
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for values providers may leave unconverted."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (datetime, date)):
        return iso8601(value)
    if isinstance(value, (set, frozenset, tuple)) or hasattr(value, "__iter__"):
        return list(value)
    try:  # Decimal and other number-likes
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"cannot serialize {type(value).__name__} as JSON") from None
