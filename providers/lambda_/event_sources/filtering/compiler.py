"""A filter pattern (the ``Pattern`` string of one ``Filter``) parsed, checked and compiled.

The language is EventBridge's event pattern language, which Lambda's event
filtering documentation says it shares ("For filter rules, Lambda supports the
same set of syntax and rules as Amazon EventBridge"): a JSON object whose keys
name event fields and whose values are either a nested object (a deeper level
of the event) or a non-empty array of match values, any of which may match.
``"$or": [pattern, pattern, ...]`` at any level makes alternatives of whole
sub-patterns. Dotted keys (``"state.status"``) address nested fields.

Compilation checks everything once, so matching a record never meets a
malformed pattern; the checks follow event-ruler's (EventBridge's engine), as
recorded in AWS's answers (``specs/event-filters/``). Lambda words every
refusal "Invalid filter pattern definition."; the EventBridge reason is kept
on the exception for logs.

Known approximations: event-ruler refuses wildcards it judges "too complex"
by an internal state count; we refuse more than ``MAX_WILDCARDS`` stars in one
wildcard. Patterns nest at most ``MAX_DEPTH`` levels.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Optional, Union

from . import rules as r
from .errors import invalid

MAX_DEPTH = 100
MAX_WILDCARDS = 5
NUMERIC_LIMIT = 5.0e9  # EventBridge: numeric matching covers -5.0e9 .. +5.0e9
OR = "$or"
OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard")


class Node:
    """One object level of a pattern: every field must match, and one alternative of each ``$or`` group."""

    __slots__ = ("fields", "alternatives")

    def __init__(self) -> None:
        self.fields: dict[str, Union["Node", r.Rules]] = {}
        self.alternatives: list[tuple["Node", ...]] = []


def parse(text: Any) -> dict:
    """The pattern text as a JSON object (duplicate keys: the last wins, as Lambda documents)."""
    if not isinstance(text, str):
        raise invalid("Filter is not valid JSON")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise invalid(f"Filter is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise invalid("Filter is not an object")
    return value


def compile_pattern(pattern: dict) -> Node:
    try:
        return _object(pattern, 1)
    except RecursionError:
        raise invalid("Filter nests too deeply") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _object(pattern: dict, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise invalid("Filter nests too deeply")
    if not pattern:
        raise invalid("Empty objects are not allowed")
    node = Node()
    for key, value in pattern.items():
        if key == OR and _is_or_group(value):
            node.alternatives.append(tuple(_object(item, depth + 1) for item in value))
            continue
        if isinstance(value, dict):
            child: Union[Node, r.Rules] = _object(value, depth + 1)
        elif isinstance(value, list):
            child = _rules(key, value)
        else:
            raise invalid(f'"{key}" must be an object or an array')
        _place(node, key.split(".") if "." in key else [key], child, depth)
    return node


def _is_or_group(value: Any) -> bool:
    # "$or" with anything but an array of at least two objects is an ordinary field name.
    return isinstance(value, list) and len(value) >= 2 and all(isinstance(item, dict) for item in value)


def _place(node: Node, path: list[str], child: Union[Node, r.Rules], depth: int) -> None:
    """Put ``child`` at ``path`` below ``node`` (a dotted key is a path); two objects
    reaching the same field merge (all their fields must match)."""
    for segment in path[:-1]:
        existing = node.fields.get(segment)
        if not isinstance(existing, Node):
            existing = node.fields[segment] = Node()
        node = existing
    last = path[-1]
    existing = node.fields.get(last)
    if isinstance(existing, Node) and isinstance(child, Node):
        for key, value in child.fields.items():
            _place(existing, [key], value, depth)
        existing.alternatives.extend(child.alternatives)
    else:
        node.fields[last] = child


def _rules(key: str, values: list) -> r.Rules:
    if not values:
        raise invalid("Empty arrays are not allowed")
    strings: set[str] = set()
    numbers: set[float] = set()
    booleans: set[bool] = set()
    predicates: list[r.Predicate] = []
    rules = r.Rules()
    for value in values:
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, bool):
            booleans.add(value)
        elif r.is_number(value):
            numbers.add(value)
        elif value is None:
            rules.null = True
        elif isinstance(value, dict):
            operator, operand = _operator(value)
            if operator == "exists":
                if not isinstance(operand, bool):
                    raise invalid("exists match pattern must be either true or false.")
                if operand:
                    rules.exists = True
                else:
                    rules.absent = True
            else:
                predicates.append(_predicate(operator, operand))
        else:
            raise invalid(f'Match value must be String, number, true, false, or null (field "{key}")')
    rules.strings, rules.numbers, rules.booleans = frozenset(strings), frozenset(numbers), frozenset(booleans)
    rules.predicates = tuple(predicates)
    return rules


def _operator(value: dict) -> tuple[str, Any]:
    if len(value) != 1:
        raise invalid("A match object must hold exactly one match type")
    operator, operand = next(iter(value.items()))
    if operator not in OPERATORS:
        raise invalid(f"Unrecognized match type {operator}")
    return operator, operand


def _predicate(operator: str, operand: Any) -> r.Predicate:
    if operator in ("prefix", "suffix"):
        build = r.prefix if operator == "prefix" else r.suffix
        if isinstance(operand, str):
            return build(operand, False)
        if isinstance(operand, dict) and list(operand) == ["equals-ignore-case"] and isinstance(
            operand["equals-ignore-case"], str
        ):
            return build(operand["equals-ignore-case"], True)
        raise invalid(f"{operator} match pattern must be a string")
    if operator == "equals-ignore-case":
        if not isinstance(operand, str):
            raise invalid("equals-ignore-case match pattern must be a string")
        return r.equals_ignore_case(operand)
    if operator == "anything-but":
        return _anything_but(operand)
    if operator == "numeric":
        return _numeric(operand)
    if operator == "cidr":
        return r.cidr(_network(operand))
    return r.wildcard(_wildcard(operand))


def _anything_but(operand: Any) -> r.Predicate:
    if isinstance(operand, (str, list)) or r.is_number(operand):
        items = operand if isinstance(operand, list) else [operand]
        if not items:
            raise invalid("Empty arrays are not allowed")
        strings, numbers = [], []
        for item in items:
            if isinstance(item, str):
                strings.append(item)
            elif r.is_number(item):
                numbers.append(item)
            else:
                raise invalid("Inside anything but list, start|null|boolean is not supported.")
        return r.anything_but_values(strings, numbers)
    if isinstance(operand, dict) and len(operand) == 1:
        operator, inner = next(iter(operand.items()))
        texts = inner if isinstance(inner, list) else [inner]
        if operator in ("prefix", "suffix"):
            if not texts or not all(isinstance(text, str) for text in texts):
                raise invalid("prefix/suffix match pattern must be a string")
            if any(text == "" for text in texts):
                raise invalid(f"Null {operator} not allowed")
            build = r.prefix if operator == "prefix" else r.suffix
            return r.anything_but(tuple(build(text, False) for text in texts))
        if operator == "equals-ignore-case":
            if not texts or not all(isinstance(text, str) for text in texts):
                raise invalid("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            return r.anything_but(tuple(r.equals_ignore_case(text) for text in texts))
        if operator == "wildcard":
            if not texts or not all(isinstance(text, str) for text in texts):
                raise invalid("wildcard match pattern must be a string")
            return r.anything_but(tuple(r.wildcard(_wildcard(text)) for text in texts))
    raise invalid("Value of anything-but must be an array or single string/number value.")


def _numeric(operand: Any) -> r.Predicate:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise invalid("Value of numeric must be an array of 2 or 4 elements.")
    for index in (0, 2):
        if index < len(operand) and operand[index] not in ("=", "<", "<=", ">", ">="):
            raise invalid(f"Unrecognized numeric range operator: {operand[index]}")
    for index in (1, 3):
        if index < len(operand) and not r.is_number(operand[index]):
            raise invalid(f"Value of {operand[index - 1]} must be numeric")
    first, value = operand[0], _number(operand[1])
    if len(operand) == 2:
        if first == "=":
            return r.numeric(value, True, value, True)
        if first in ("<", "<="):
            return r.numeric(None, False, value, first == "<=")
        return r.numeric(value, first == ">=", None, False)
    second, upper = operand[2], _number(operand[3])
    if first not in (">", ">="):
        raise invalid(f"Bad numeric range operator: {first}")
    if second not in ("<", "<="):
        raise invalid(f"Bad numeric range operator: {second}")
    if value >= upper:
        raise invalid("Bottom must be less than top")
    return r.numeric(value, first == ">=", upper, second == "<=")


def _number(value: Any) -> float:
    """A numeric operand (exact and anything-but numbers are not range-limited)."""
    if not -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:
        raise invalid(f"Value {value} is out of range")
    return value


def _network(operand: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(operand, str):
        raise invalid("prefix match pattern must be a string")
    if operand.count("/") != 1:
        raise invalid("Malformed CIDR, one '/' required")
    address, bits = operand.split("/")
    if not bits.isdigit():
        raise invalid("Malformed CIDR, mask bits must be an integer")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        raise invalid(f"Nonstandard IP address: {address}") from None
    if int(bits) > parsed.max_prefixlen:
        raise invalid("Malformed CIDR, mask bits must be an integer")
    return ipaddress.ip_network(f"{parsed}/{bits}", strict=False)


def _wildcard(operand: Any) -> tuple[str, ...]:
    """The literal segments between unescaped stars (``\\*`` is a star, ``\\\\`` a backslash)."""
    if not isinstance(operand, str):
        raise invalid("wildcard match pattern must be a string")
    segments: list[str] = []
    current: list[str] = []
    index, previous_star = 0, False
    while index < len(operand):
        char = operand[index]
        if char == "\\":
            escaped: Optional[str] = operand[index + 1] if index + 1 < len(operand) else None
            if escaped not in ("*", "\\"):
                raise invalid(f"Invalid escape character at pos {index}")
            current.append(escaped)  # type: ignore[arg-type]
            index, previous_star = index + 2, False
            continue
        if char == "*":
            if previous_star:
                raise invalid(f"Consecutive wildcard characters at pos {index}")
            segments.append("".join(current))
            current, previous_star = [], True
        else:
            current.append(char)
            previous_star = False
        index += 1
    segments.append("".join(current))
    if len(segments) - 1 > MAX_WILDCARDS:
        raise invalid(
            "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences "
            "after a wildcard character"
        )
    return tuple(segments)
