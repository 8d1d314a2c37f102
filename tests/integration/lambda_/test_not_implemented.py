"""The Lambda operations the gateway does not implement stay listed with their reasons
(``providers/lambda_/coverage.py``, the README's table) and answer as not implemented:
no stub ever answers as if it had done the work."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from providers.lambda_ import coverage
from tests.integration.test_companion_fuzz import Generator

README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.mark.parametrize("operation", sorted(coverage.NOT_IMPLEMENTED))
def test_listed_operation_answers_not_implemented(aws_client: Any, operation: str) -> None:
    client = aws_client("lambda", parameter_validation=False)
    model = client.meta.service_model.operation_model(operation)
    # Model-valid required members (the gateway validates before it dispatches, as AWS does).
    params = Generator("lambda", random.Random(operation), {}).params(model, "required")
    with pytest.raises(ClientError) as raised:
        client._make_api_call(operation, params)
    response = raised.value.response
    assert response["Error"]["Code"] != "ValidationException", response["Error"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Message"] == f"The operation {operation} of service lambda is not implemented"


def test_readme_table_lists_each_with_its_reason() -> None:
    text = README.read_text()
    implemented = sum(1 for row in coverage.coverage_rows() if row[1])
    assert f"Lambda API coverage: {implemented} of {len(coverage.model_operations())} operations implemented." in text
    for operation, reason in coverage.NOT_IMPLEMENTED.items():
        assert f"| {operation} | no | {reason} |" in text, operation
