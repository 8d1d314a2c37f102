"""Every operation of botocore's Lambda model is implemented or listed as not
implemented with a reason (``providers/lambda_/coverage.py``)."""

from __future__ import annotations

import io

from providers.lambda_ import coverage


def test_every_model_operation_is_implemented_or_listed_with_a_reason() -> None:
    unaccounted = [
        operation
        for operation in coverage.model_operations()
        if not coverage.is_implemented(operation) and not coverage.NOT_IMPLEMENTED.get(operation, "").strip()
    ]
    assert unaccounted == [], f"implement these or list them in NOT_IMPLEMENTED with a reason: {unaccounted}"


def test_no_listed_operation_is_implemented() -> None:
    both = [operation for operation in coverage.NOT_IMPLEMENTED if coverage.is_implemented(operation)]
    assert both == [], f"implemented, so remove from NOT_IMPLEMENTED: {both}"


def test_listed_operations_exist_in_the_model() -> None:
    unknown = set(coverage.NOT_IMPLEMENTED) - set(coverage.model_operations())
    assert unknown == set(), f"not operations of the Lambda model: {sorted(unknown)}"


def test_table_lists_every_operation() -> None:
    out = io.StringIO()
    coverage.main(out)
    table = out.getvalue()
    assert table.startswith("Lambda API coverage: ")
    for operation in coverage.model_operations():
        assert f"| {operation} |" in table
    assert "| Invoke | no | data plane: issue 4 |" in table or "| Invoke | yes |" in table
