"""Which operations of botocore's Lambda model the provider implements.

An operation is implemented when ``LambdaProvider`` has its method
(``FooBar`` -> ``foo_bar``); every other operation must be listed in
``NOT_IMPLEMENTED`` with the reason. ``tests/unit/test_lambda_coverage.py``
holds the two lists to that; ``python -m providers.lambda_.coverage`` (or
``make coverage``) prints the table in Markdown.
"""

from __future__ import annotations

import sys
from typing import Iterable, Optional, TextIO

from gateway.protocol.models import ServiceModels
from gateway.provider import operation_method_name

MANAGED_INSTANCES = (
    "Lambda Managed Instances: capacity providers run functions on EC2 instances in the caller's VPC; "
    "there is no local equivalent, and storing them without running anything would mislead"
)

NOT_IMPLEMENTED: dict[str, str] = {
    # Lambda Managed Instances (2025-11-30 API)
    "CreateCapacityProvider": MANAGED_INSTANCES,
    "GetCapacityProvider": MANAGED_INSTANCES,
    "UpdateCapacityProvider": MANAGED_INSTANCES,
    "DeleteCapacityProvider": MANAGED_INSTANCES,
    "ListCapacityProviders": MANAGED_INSTANCES,
    "ListFunctionVersionsByCapacityProvider": MANAGED_INSTANCES,
}


def model_operations(models: Optional[ServiceModels] = None) -> list[str]:
    return sorted((models or ServiceModels()).get("lambda").operation_names)


def is_implemented(operation: str, provider_class: Optional[type] = None) -> bool:
    if provider_class is None:
        from .provider import LambdaProvider

        provider_class = LambdaProvider
    return callable(getattr(provider_class, operation_method_name(operation), None))


def coverage_rows(operations: Optional[Iterable[str]] = None) -> list[tuple[str, bool, str]]:
    """(operation, implemented, reason) for every operation of the model."""
    rows = []
    for operation in operations if operations is not None else model_operations():
        implemented = is_implemented(operation)
        reason = "" if implemented else NOT_IMPLEMENTED.get(operation, "MISSING: neither implemented nor listed")
        rows.append((operation, implemented, reason))
    return rows


def render_markdown(rows: list[tuple[str, bool, str]]) -> str:
    done = sum(1 for _, implemented, _ in rows if implemented)
    lines = [
        f"Lambda API coverage: {done} of {len(rows)} operations implemented.",
        "",
        "| Operation | Implemented | Why not |",
        "| --- | --- | --- |",
    ]
    for operation, implemented, reason in rows:
        lines.append(f"| {operation} | {'yes' if implemented else 'no'} | {reason} |")
    return "\n".join(lines) + "\n"


def main(out: TextIO = sys.stdout) -> int:
    rows = coverage_rows()
    out.write(render_markdown(rows))
    missing = [operation for operation, implemented, reason in rows if not implemented and reason.startswith("MISSING")]
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
