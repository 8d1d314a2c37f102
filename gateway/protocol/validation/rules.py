"""Rules for one shape's own constraints: ``(predicate, constraint text)``
pairs, the predicate True when the value is fine.

Order per shape: length, range, pattern, enum (``max`` before ``min``). A
predicate lets values of the wrong type pass: the parser already answered
for types.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Callable, Optional

from botocore.model import Shape

from .messages import integer_text, java_double, utf16_length

if TYPE_CHECKING:
    from .settings import ValidationSettings

try:  # Java's \p{L} & co.; installed with moto's dependencies, optional here
    import regex as _regex
except ImportError:  # pragma: no cover - depends on the environment
    _regex = None

log = logging.getLogger("gateway.validate")

#: A string longer than this (and already too long for the model) is not also
#: matched against the pattern: the answer is a 400 either way.
PATTERN_GUARD = 65536

Predicate = Callable[[Any], bool]
_NUMBERS = (int, float)


def scalar_rules(shape: Shape, kinds: frozenset, patterns: dict, settings: Optional["ValidationSettings"] = None,
                 printed_pattern: Optional[str] = None) -> tuple:
    """Rules of a string, blob or number shape; ``patterns`` caches compiled
    patterns; ``settings`` words enums and patterns as the service prints them;
    ``printed_pattern`` is the pattern printed at this very member, if the
    settings name one there (the model's is still the one checked)."""
    type_name = shape.type_name
    meta = shape.metadata
    rules: list = []
    if type_name == "string":
        length = utf16_length
        rules += bounds(meta, kinds, "length", lambda v: type(v) is not str, length)
        if "pattern" in meta and "pattern" not in kinds:
            matches = pattern_matcher(meta["pattern"], patterns)
            if matches is not None:
                limit = max(meta.get("max", 0) * 16, PATTERN_GUARD)
                rules.append((
                    lambda v, m=matches, n=limit: type(v) is not str or len(v) > n or m(v),
                    "Member must satisfy regular expression pattern: "
                    + (printed_pattern or (settings.pattern_text(shape) if settings else meta["pattern"])),
                ))
        if "enum" in meta and "enum" not in kinds:
            allowed = frozenset(meta["enum"])
            rules.append((
                lambda v, a=allowed: type(v) is not str or v in a,
                "Member must satisfy enum value set: ["
                + ", ".join(settings.enum_text(shape) if settings else meta["enum"]) + "]",
            ))
    elif type_name == "blob":
        rules += bounds(meta, kinds, "length", lambda v: not isinstance(v, (bytes, bytearray)), len)
    elif type_name in ("integer", "long", "short", "byte", "float", "double"):
        floating = type_name in ("float", "double")
        rules += bounds(
            meta, kinds, "range",
            lambda v: isinstance(v, bool) or not isinstance(v, _NUMBERS) or v != v,
            None, java_double if floating else integer_text,
        )
    return tuple(rules)


def size_rules(shape: Shape, kinds: frozenset) -> tuple:
    """Length rules of a list or map shape."""
    wrong = (lambda v: type(v) is not list) if shape.type_name == "list" else (lambda v: type(v) is not dict)
    return tuple(bounds(shape.metadata, kinds, "length", wrong, len))


def bounds(meta, kinds, kind, wrong_type, measure, limit_text=str) -> list:
    """``max`` then ``min`` rules for a length (``measure``) or a value."""
    if kind in kinds:
        return []
    noun = "length" if kind == "length" else "value"
    rules = []
    high, low = meta.get("max"), meta.get("min")
    if high is not None:
        if measure is None:
            ok = lambda v, h=high: wrong_type(v) or v <= h  # noqa: E731
        else:
            ok = lambda v, h=high: wrong_type(v) or measure(v) <= h  # noqa: E731
        rules.append((ok, f"Member must have {noun} less than or equal to {limit_text(high)}"))
    if low is not None and (measure is None or low > 0):
        if measure is None:
            ok = lambda v, lo=low: wrong_type(v) or v >= lo  # noqa: E731
        else:
            ok = lambda v, lo=low: wrong_type(v) or measure(v) >= lo  # noqa: E731
        rules.append((ok, f"Member must have {noun} greater than or equal to {limit_text(low)}"))
    return rules


def pattern_matcher(pattern: str, cache: dict) -> Optional[Predicate]:
    """Java ``String.matches`` semantics: the whole value must match.
    Patterns Python's ``re`` cannot read (``\\p{L}``...) go to ``regex``; a
    pattern neither can read is not checked."""
    if pattern in cache:
        return cache[pattern]
    compiled: Any = None
    try:
        compiled = re.compile(pattern, re.ASCII)
    except re.error:
        if _regex is not None:
            try:
                compiled = _regex.compile(pattern, _regex.V0)
            except Exception:  # noqa: BLE001 - any failure: do not check
                compiled = None
    if compiled is None:
        log.debug("pattern not checked (unsupported syntax): %s", pattern)
        matches = None
    else:
        fullmatch = compiled.fullmatch
        matches = lambda v: fullmatch(v) is not None  # noqa: E731
    cache[pattern] = matches
    return matches
