"""``ExpectedLogs``: the function's CloudWatch Logs records of one execution, as AWS's requirements count them.

Records of the execution are the log events of the function's group whose
message is a JSON object with a top-level ``durableExecutionArn`` or
``executionArn`` equal to the execution's ARN (the SDK's logger stamps
``executionArn`` on records under ``LogFormat: JSON``; the plugin handlers stamp
``durableExecutionArn``). Each record exposes its JSON fields, a non-JSON line
only ``message``.

An expectation's ``match`` is a map of field -> value, all of which must hold:
a string ``/re/`` is a regex search, another string must equal the (stripped)
field, booleans must be identical, numbers numerically equal. ``count``,
``min_count`` and ``max_count`` bound the number of matching records;
``after``/``before`` anchors (matchers, or lists of them) require every match at
or after the last (before the first) record each anchor matches.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from conformance.requirements import Bindings


def _record(message: str) -> dict[str, Any]:
    text = message.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {"message": text}


def execution_records(events: list[dict[str, Any]], execution_arn: str) -> list[dict[str, Any]]:
    """The execution's records, oldest first (ties keep the order CloudWatch returned)."""
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].get("timestamp", 0), pair[0]))
    records = [_record(event.get("message", "")) for _, event in ordered]
    return [record for record in records
            if execution_arn in (record.get("durableExecutionArn"), record.get("executionArn"))]


def _value_matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str):
        text = str(actual).strip()
        if len(expected) >= 2 and expected.startswith("/") and expected.endswith("/"):
            return re.search(expected[1:-1], text) is not None
        return text == expected.strip()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return str(expected) == str(actual)


def _matching(matcher: dict[str, Any], records: list[dict[str, Any]]) -> list[int]:
    return [index for index, record in enumerate(records)
            if all(key in record and _value_matches(value, record[key]) for key, value in matcher.items())]


def _anchors(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    return [raw] if isinstance(raw, dict) else list(raw)


def check(expectations: list[dict[str, Any]], records: list[dict[str, Any]], bindings: Bindings) -> list[str]:
    """The unmet expectations (empty: the logs conform)."""
    problems: list[str] = []
    for index, raw in enumerate(expectations):
        expectation = bindings.substitute(raw)
        matcher = expectation["match"]
        label = f"ExpectedLogs[{index}] {json.dumps(matcher)}"
        own = _matching(matcher, records)
        count: Optional[int] = expectation.get("count")
        if count is not None and len(own) != count:
            problems.append(f"{label}: {len(own)} record(s), expected {count}")
        if expectation.get("min_count") is not None and len(own) < expectation["min_count"]:
            problems.append(f"{label}: {len(own)} record(s), expected at least {expectation['min_count']}")
        if expectation.get("max_count") is not None and len(own) > expectation["max_count"]:
            problems.append(f"{label}: {len(own)} record(s), expected at most {expectation['max_count']}")
        for direction in ("after", "before"):
            for anchor in _anchors(expectation.get(direction)):
                anchored = _matching(anchor, records)
                if not anchored:
                    problems.append(f"{label}: its {direction} anchor {json.dumps(anchor)} matches no record")
                elif own and direction == "after" and own[0] < anchored[-1]:
                    problems.append(f"{label}: a record comes before its anchor {json.dumps(anchor)}")
                elif own and direction == "before" and own[-1] > anchored[0]:
                    problems.append(f"{label}: a record comes after its anchor {json.dumps(anchor)}")
    return problems
