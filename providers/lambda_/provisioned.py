"""Provisioned concurrency records: how much a function has, and what a version gets.

A record lives in ``Function.provisioned_concurrency`` keyed by qualifier (a
published version or an alias). The control plane (``api/concurrency.py``)
writes records; the data plane reads, through these helpers, how many of a
version's invocations run on provisioned environments and how much of the
function's reserved concurrency the records hold back from on-demand use.

Status, as AWS reports it: ``IN_PROGRESS`` until the environments are up (never
before ``_ReadyAt``), then ``READY``; ``FAILED`` with ``StatusReason``
``FUNCTION_ERROR_INIT_FAILURE`` when an environment's init failed (AWS's reason,
as CloudFormation quotes it: "Provisioned Concurrency configuration failed to be
applied. Reason: FUNCTION_ERROR_INIT_FAILURE").
"""

from __future__ import annotations

from typing import Optional

from .models import Function

FAILED_REASON_INIT = "FUNCTION_ERROR_INIT_FAILURE"


def provisioned_total(function: Function, exclude: Optional[str] = None) -> int:
    """The concurrency all of a function's provisioned configs request (but ``exclude``'s)."""
    return sum(
        record["RequestedProvisionedConcurrentExecutions"]
        for qualifier, record in function.provisioned_concurrency.items()
        if qualifier != exclude
    )


def provisioned_for_version(function: Function, version: str) -> int:
    """Provisioned environments serving ``version``: its own config's, or that of
    the alias pointing at it (AWS allows one of the two); 0 once a config FAILED."""
    for qualifier, record in function.provisioned_concurrency.items():
        if record.get("_StatusReason"):
            continue
        if qualifier == version or (function.aliases.get(qualifier) or {}).get("FunctionVersion") == version:
            return int(record["RequestedProvisionedConcurrentExecutions"])
    return 0
