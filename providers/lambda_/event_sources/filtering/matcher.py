"""Matching a compiled pattern against the event a record shows (the hot path).

Arrays: a pattern object applied to an array matches when one element matches
it whole (so fields of one array element are never mixed with another's, as
event-ruler does); a rule list applied to an array matches when one leaf does.
Dotted event keys (``{"state.status": 1}``) are found by the pattern path
``state`` -> ``status`` when the plain key is absent.

The root level knows the record's payload fields (``RecordView.payloads``:
SQS ``body``, Kinesis ``data``, Kafka ``key``/``value``, MQ ``data``) and
applies AWS's format rule there: a pattern object wants a JSON payload, a rule
list wants a plain string; on a mismatch the record is dropped (SQS, Kinesis)
or the payload part of the pattern is ignored (Kafka, MQ).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from .compiler import Node
from .rules import MISSING, Rules

JSON, TEXT, OPAQUE = "json", "text", "opaque"  # payload formats (OPAQUE: not UTF-8, never filtered on)
DROP, IGNORE = "drop", "ignore"  # what a format mismatch does
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def matches_root(node: Node, event: Mapping[str, Any], payloads: Mapping[str, str], mismatch: str) -> bool:
    for key, child in node.fields.items():
        fmt = payloads.get(key)
        if fmt is not None and fmt != (JSON if isinstance(child, Node) else TEXT):
            if mismatch == DROP:
                return False
            continue
        if not _matches_child(child, _field(event, key)):
            return False
    for group in node.alternatives:
        if not any(matches_root(alternative, event, payloads, mismatch) for alternative in group):
            return False
    return True


def matches(node: Node, value: Any) -> bool:
    if isinstance(value, list):
        items = _objects(value)
        if not items:
            return _matches_object(node, _EMPTY)
        return any(_matches_object(node, item if isinstance(item, dict) else _EMPTY) for item in items)
    return _matches_object(node, value if isinstance(value, dict) else _EMPTY)


def _matches_object(node: Node, obj: Mapping[str, Any]) -> bool:
    for key, child in node.fields.items():
        if not _matches_child(child, _field(obj, key)):
            return False
    for group in node.alternatives:
        if not any(_matches_object(alternative, obj) for alternative in group):
            return False
    return True


def _matches_child(child: Node | Rules, value: Any) -> bool:
    if isinstance(child, Rules):
        return child.matches(value)
    return matches(child, value)


def _field(obj: Mapping[str, Any], key: str) -> Any:
    value = obj.get(key, MISSING)
    if value is MISSING and obj:
        dotted = {name[len(key) + 1:]: item for name, item in obj.items() if name.startswith(key + ".")}
        if dotted:
            return dotted
    return value


def _objects(array: list) -> list[Any]:
    """The non-array elements of an array, nested arrays flattened without recursion."""
    found: list[Any] = []
    stack = [iter(array)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            found.append(item)
        else:
            stack.pop()
    return found
