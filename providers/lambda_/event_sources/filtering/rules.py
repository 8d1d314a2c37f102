"""Leaf rules: the list of match values under one field of a pattern, compiled.

``{"state": ["a", 1, {"prefix": "x"}, {"exists": false}]}`` compiles the list
to one ``Rules``: the field matches when any element matches any of the
field's leaf values (strings, numbers, booleans, null; arrays count element by
element; an object is not a leaf). Exact strings and numbers sit in frozensets,
so a long ``["a", "b", ...]`` list costs one lookup per value.

Semantics follow AWS's recorded EventBridge answers (the cases in
``specs/event-filters/``): exact numbers compare as numbers (``[300]`` matches
``300.0``), a string never equals a number, ``anything-but`` matches every leaf
it does not exclude (null included) but never a missing field, the string
operators (prefix, suffix, equals-ignore-case, wildcard, cidr) match strings
only, ``numeric`` matches numbers only.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable, Iterable, Optional

Predicate = Callable[[Any], bool]

MISSING: Any = object()  # a field absent from the event


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def leaves(value: Any) -> list[Any]:
    """The leaf values of a field: a scalar, or the scalars of an array (nested arrays
    flattened, iteratively: a hostile event cannot exhaust the stack); objects are not leaves."""
    if not isinstance(value, list):
        return [] if isinstance(value, dict) else [value]
    found: list[Any] = []
    stack = [iter(value)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            if not isinstance(item, dict):
                found.append(item)
        else:
            stack.pop()
    return found


class Rules:
    """Any-of over one field's match values."""

    __slots__ = ("strings", "numbers", "booleans", "null", "exists", "absent", "predicates")

    def __init__(self) -> None:
        self.strings: frozenset[str] = frozenset()
        self.numbers: frozenset[float] = frozenset()
        self.booleans: frozenset[bool] = frozenset()
        self.null = False
        self.exists = False  # {"exists": true}: any leaf value
        self.absent = False  # {"exists": false}: no leaf value
        self.predicates: tuple[Predicate, ...] = ()

    def matches(self, value: Any) -> bool:
        if value is MISSING:
            return self.absent
        values = leaves(value)
        if not values:
            return self.absent
        if self.exists:
            return True
        for item in values:
            if self._matches_leaf(item):
                return True
        return False

    def _matches_leaf(self, item: Any) -> bool:
        if isinstance(item, str):
            if item in self.strings:
                return True
        elif item is None:
            if self.null:
                return True
        elif isinstance(item, bool):
            if item in self.booleans:
                return True
        elif item in self.numbers:
            return True
        for predicate in self.predicates:
            if predicate(item):
                return True
        return False


# Predicates, one per operator ---------------------------------------------------------------


def prefix(text: str, ignore_case: bool) -> Predicate:
    if ignore_case:
        lowered = text.lower()
        return lambda item: isinstance(item, str) and item.lower().startswith(lowered)
    return lambda item: isinstance(item, str) and item.startswith(text)


def suffix(text: str, ignore_case: bool) -> Predicate:
    if ignore_case:
        lowered = text.lower()
        return lambda item: isinstance(item, str) and item.lower().endswith(lowered)
    return lambda item: isinstance(item, str) and item.endswith(text)


def equals_ignore_case(text: str) -> Predicate:
    lowered = text.lower()
    return lambda item: isinstance(item, str) and item.lower() == lowered


def numeric(lower: Optional[float], lower_inclusive: bool, upper: Optional[float], upper_inclusive: bool) -> Predicate:
    def check(item: Any) -> bool:
        if not is_number(item):
            return False
        if lower is not None and (item < lower or (item == lower and not lower_inclusive)):
            return False
        if upper is not None and (item > upper or (item == upper and not upper_inclusive)):
            return False
        return True

    return check


def cidr(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Predicate:
    def check(item: Any) -> bool:
        if not isinstance(item, str):
            return False
        try:
            address = ipaddress.ip_address(item)
        except ValueError:
            return False
        return address.version == network.version and address in network

    return check


def wildcard(segments: tuple[str, ...]) -> Predicate:
    """``segments`` are the literal texts between the stars (``"a*b*"`` -> ``("a", "b", "")``).
    Greedy leftmost search of each middle segment is exact for star-only globs and runs in
    linear passes, never backtracking (a hostile value cannot make it explode)."""
    if len(segments) == 1:
        only = segments[0]
        return lambda item: isinstance(item, str) and item == only
    head, middle, tail = segments[0], segments[1:-1], segments[-1]
    minimum = sum(len(part) for part in segments)

    def check(item: Any) -> bool:
        if not isinstance(item, str) or len(item) < minimum:
            return False
        if not item.startswith(head) or not item.endswith(tail):
            return False
        position, end = len(head), len(item) - len(tail)
        for part in middle:
            found = item.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return check


def anything_but_values(strings: Iterable[str], numbers: Iterable[float]) -> Predicate:
    """Every leaf but the listed ones (typed: the string ``"1"`` is not the number ``1``)."""
    excluded_strings, excluded_numbers = frozenset(strings), frozenset(numbers)

    def check(item: Any) -> bool:
        if isinstance(item, str):
            return item not in excluded_strings
        if is_number(item):
            return item not in excluded_numbers
        return True

    return check


def anything_but(predicates: tuple[Predicate, ...]) -> Predicate:
    """Every leaf no predicate accepts: anything-but prefix/suffix/equals-ignore-case/wildcard.
    Those predicates accept strings only, so numbers, booleans and null always pass."""
    return lambda item: not any(predicate(item) for predicate in predicates)
