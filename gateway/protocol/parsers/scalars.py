"""Scalar conversions shared by every protocol: text -> typed value.

Each function raises ``ValueError`` with a short, client-facing reason; the
protocol parser turns it into its own ``MalformedRequestError`` (the error code
differs per protocol). Nothing here knows about shapes beyond type names.

Timestamps: the declared format (``timestampFormat`` or the protocol default
for that location) is tried first, then the other two, so a client that sends
ISO 8601 where epoch seconds are the default is still understood. The result
is always a timezone-aware UTC ``datetime``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ISO8601 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
    r"\s*(?:([Zz])|([+-])(\d\d):?(\d\d))?",
    re.ASCII,
)
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_WHITESPACE_BYTES = b" \t\r\n\x0b\x0c"

INTEGER_BITS = {"byte": 8, "short": 16, "integer": 32, "long": 64}
INTEGER_TYPES = frozenset(INTEGER_BITS)
FLOAT_TYPES = frozenset({"float", "double"})


def check_integer(value: int, type_name: str) -> int:
    bits = INTEGER_BITS.get(type_name, 64)
    limit = 1 << (bits - 1)
    if not -limit <= value < limit:
        raise ValueError(f"{value} is out of range for type {type_name}")
    return value


def parse_integer(text: str, type_name: str = "integer") -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text) or len(text) > 40:
        raise ValueError(f"{_quote(text)} is not a valid {type_name}")
    return check_integer(int(text), type_name)


def parse_float(text: str) -> float:
    text = text.strip()
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{_quote(text)} is not a valid number")
    return float(text)


def parse_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"{_quote(text)} is not a valid boolean")


def decode_base64(text: str | bytes) -> bytes:
    """Standard base64 (RFC 4648), padding optional, embedded whitespace ignored."""
    if isinstance(text, str):
        if not text.isascii():
            raise ValueError("invalid base64 data")
        data = text.encode("ascii")
    else:
        data = bytes(text)
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        pass
    # The slow path: line breaks (MIME style), missing padding.
    data = data.translate(None, _WHITESPACE_BYTES)
    data += b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        raise ValueError("invalid base64 data") from None


def epoch_to_datetime(seconds: float | int) -> datetime:
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise ValueError(f"{seconds} is not a valid timestamp")
    try:
        if isinstance(seconds, int):
            return _EPOCH + timedelta(seconds=seconds)
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{seconds} is out of range for a timestamp") from None


def _parse_iso8601(text: str) -> datetime | None:
    match = _ISO8601.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = UTC
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    value = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz
    )
    return value.astimezone(UTC)


def _parse_rfc822(text: str) -> datetime | None:
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _parse_epoch(text: str) -> datetime | None:
    if not _DECIMAL.fullmatch(text):
        return None
    if _INTEGER.fullmatch(text) and len(text) < 20:
        return epoch_to_datetime(int(text))
    return epoch_to_datetime(float(text))


_TEXT_PARSERS = {
    "iso8601": (_parse_iso8601, _parse_epoch, _parse_rfc822),
    "rfc822": (_parse_rfc822, _parse_iso8601, _parse_epoch),
    "unixtimestamp": (_parse_epoch, _parse_iso8601, _parse_rfc822),
}


def parse_timestamp(value: str | int | float, timestamp_format: str) -> datetime:
    """A timestamp in the given format (``iso8601``, ``rfc822``, ``unixTimestamp``)."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a valid timestamp")
    if isinstance(value, (int, float)):
        return epoch_to_datetime(value)
    text = value.strip()
    if len(text) > 64:
        raise ValueError("timestamp value too long")
    parsers = _TEXT_PARSERS.get(timestamp_format.lower(), _TEXT_PARSERS["iso8601"])
    for parser in parsers:
        try:
            parsed = parser(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed
    raise ValueError(f"{_quote(text)} is not a valid timestamp")


def _quote(text: str) -> str:
    if len(text) > 64:
        text = text[:61] + "..."
    return f"'{text}'"
