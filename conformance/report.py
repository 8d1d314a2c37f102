"""The figure: ``conformance: N/155 passed``, a table per suite, the failures with their first difference."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path

from conformance.runner import Outcome


def counted(outcomes: list[Outcome]) -> tuple[int, int]:
    """(passed, total); a failing optional requirement (1-7) counts as failing, marked "(optional)"."""
    return sum(1 for outcome in outcomes if outcome.passed), len(outcomes)


def render(outcomes: list[Outcome], language: str = "python") -> str:
    passed, total = counted(outcomes)
    suites: "OrderedDict[str, list[Outcome]]" = OrderedDict()
    for outcome in outcomes:
        suites.setdefault(outcome.suite, []).append(outcome)
    lines = [f"{'suite':<20} {'passed':>6} {'total':>6}"]
    for suite, members in suites.items():
        lines.append(f"{suite:<20} {sum(1 for m in members if m.passed):>6} {len(members):>6}")
    failures = [outcome for outcome in outcomes if not outcome.passed]
    if failures:
        lines.append("")
        lines.append("failing:")
        for outcome in failures:
            first = outcome.differences[0] if outcome.differences else "(no detail)"
            optional = " (optional)" if outcome.optional else ""
            lines.append(f"  {outcome.id:<6} [{outcome.stage}]{optional} {outcome.description[:60]}")
            lines.append(f"         {first[:300]}")
    lines.append("")
    label = "conformance" if language == "python" else f"conformance ({language} subset)"
    lines.append(f"{label}: {passed}/{total} passed")
    return "\n".join(lines)


def write_json(outcomes: list[Outcome], path: Path, metadata: dict) -> None:
    passed, total = counted(outcomes)
    document = {
        **metadata,
        "passed": passed,
        "total": total,
        "requirements": [asdict(outcome) for outcome in outcomes],
    }
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")
