"""A stream mapping's configuration as the core uses it (read once per poller:
an update of the mapping starts a new poller)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..filtering import FilterSet

if TYPE_CHECKING:
    from ...backend.values import EventSourceMapping

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


@dataclass(frozen=True)
class StreamSettings:
    batch_size: int
    batching_window: float
    parallelization: int
    max_retries: int  # -1: until the record expires
    max_record_age: int  # -1: no limit
    bisect: bool
    tumbling_window: int  # 0: none
    report_item_failures: bool
    on_failure: Optional[str]  # destination ARN
    starting_position: str
    starting_timestamp: Optional[float]
    filters: FilterSet

    @classmethod
    def of(cls, mapping: "EventSourceMapping", kind: str) -> "StreamSettings":
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        timestamp = mapping.get("StartingPositionTimestamp")
        return cls(
            batch_size=int(mapping.get("BatchSize") or 100),
            batching_window=float(mapping.get("MaximumBatchingWindowInSeconds") or 0),
            parallelization=max(1, int(mapping.get("ParallelizationFactor") or 1)),
            max_retries=_number(mapping.get("MaximumRetryAttempts"), -1),
            max_record_age=_number(mapping.get("MaximumRecordAgeInSeconds"), -1),
            bisect=bool(mapping.get("BisectBatchOnFunctionError")),
            tumbling_window=int(mapping.get("TumblingWindowInSeconds") or 0),
            report_item_failures=REPORT_BATCH_ITEM_FAILURES in (mapping.get("FunctionResponseTypes") or []),
            on_failure=destination or None,
            starting_position=mapping.get("StartingPosition") or "LATEST",
            starting_timestamp=_epoch(timestamp),
            filters=FilterSet.compile(mapping.get("FilterCriteria"), kind),
        )


def _number(value: object, default: int) -> int:
    return default if value is None else int(value)  # type: ignore[call-overload]


def _epoch(value: object) -> Optional[float]:
    if value is None:
        return None
    if hasattr(value, "timestamp"):
        return float(value.timestamp())  # type: ignore[attr-defined]
    return float(value)  # type: ignore[arg-type]
