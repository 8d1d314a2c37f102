"""Comparing an expected execution history (with its wildcards) to GetDurableExecutionHistory.

The rules of AWS's requirement files:

- Expected events are paired with actual events by ``EventId``; actual events
  the requirement does not list are ignored.
- Within an event, only the expected keys are compared (recursively).
- ``"*"`` accepts any value; ``{}`` accepts any value (it does not even look).
- ``"${NAME}"`` binds NAME to the actual value the first time and must equal
  it everywhere after (variables of the requirement are bound from the start).
- ``"${/regex/}"`` searches the actual value (as a string) for the regex.
- Lists must have the same length and match element by element.
- Anything else must be equal, after substituting bound placeholders into strings.

A key the expected event lists must exist in the actual event, even when its
expected value is a wildcard or a placeholder.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from conformance.requirements import Bindings

_PLACEHOLDER = re.compile(r"^\$\{(.+)\}$")
_REGEX = re.compile(r"^\$\{/(.+)/\}$")


def regex_of(value: Any) -> Optional[re.Pattern[str]]:
    match = _REGEX.match(value) if isinstance(value, str) else None
    return re.compile(match.group(1)) if match else None


def _placeholder_of(value: Any) -> Optional[str]:
    if not isinstance(value, str) or _REGEX.match(value):
        return None
    match = _PLACEHOLDER.match(value)
    return match.group(1) if match else None


class HistoryMatcher:
    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self.differences: list[str] = []

    def match(self, expected_events: list[dict[str, Any]], actual_events: list[dict[str, Any]]) -> list[str]:
        """The differences, in the order of the expected events (empty: the history matches)."""
        self.differences = []
        by_id = {event.get("EventId"): event for event in actual_events}
        for expected in expected_events:
            event_id = expected.get("EventId")
            actual = by_id.get(event_id)
            if actual is None:
                self.differences.append(f"EventId {event_id}: no such event (expected {expected.get('EventType')})")
                continue
            self._compare(expected, actual, f"EventId {event_id}")
        return self.differences

    def _compare(self, expected: Any, actual: Any, path: str) -> None:
        if expected == "*" or expected == {}:
            return
        name = _placeholder_of(expected)
        if name is not None:
            if name in self.bindings.values:
                if self.bindings.values[name] != actual:
                    self.differences.append(f"{path}: ${{{name}}} is {self.bindings.values[name]!r}, got {actual!r}")
            else:
                self.bindings.values[name] = actual
            return
        pattern = regex_of(expected)
        if pattern is not None:
            if not pattern.search(str(actual)):
                self.differences.append(f"{path}: {actual!r} does not match /{pattern.pattern}/")
            return
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key, value in expected.items():
                if key not in actual:
                    self.differences.append(f"{path}.{key}: missing (expected {value!r})")
                else:
                    self._compare(value, actual[key], f"{path}.{key}")
            return
        if isinstance(expected, list) and isinstance(actual, list):
            if len(expected) != len(actual):
                self.differences.append(f"{path}: {len(actual)} items, expected {len(expected)}")
                return
            for index, (item, actual_item) in enumerate(zip(expected, actual)):
                self._compare(item, actual_item, f"{path}[{index}]")
            return
        wanted = self.bindings.substitute(expected)
        if wanted != actual:
            self.differences.append(f"{path}: expected {wanted!r}, got {actual!r}")
