"""What an SQS poller works from, read once from its mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..filtering import FilterSet
from ..kinds import SQS

if TYPE_CHECKING:
    from ...backend.values import EventSourceMapping

# AWS starts five pollers per queue and adds more while messages wait; here a
# mapping starts with one (it long-polls while the queue is idle) and grows
# to at most this many while receives come back full.
MAX_POLLERS = 5


@dataclass(frozen=True)
class SqsSettings:
    queue_arn: str
    queue_name: str
    account_id: str
    region: str
    batch_size: int
    window_seconds: int
    report_item_failures: bool
    max_pollers: int
    filters: FilterSet

    @property
    def fifo(self) -> bool:
        """FIFO queues' names end in ``.fifo`` (SQS's rule)."""
        return self.queue_name.endswith(".fifo")

    @property
    def md5_of_attributes_always(self) -> bool:
        """AWS's records carry ``"md5OfMessageAttributes": null`` for a message without
        attributes when the mapping has a batching window, and leave the member out
        without one (AWS-recorded events, test_lambda_integration_sqs.snapshot.json:
        ``test_sqs_event_source_mapping``, ``test_sqs_event_filter`` (window 1) against
        ``test_failing_lambda_retries_after_visibility_timeout``,
        ``test_report_batch_item_failures`` (window 0))."""
        return self.window_seconds > 0

    @classmethod
    def of(cls, mapping: "EventSourceMapping") -> "SqsSettings":
        arn = mapping.event_source_arn or ""
        parts = arn.split(":", 5)
        region, account_id, name = (parts[3], parts[4], parts[5]) if len(parts) == 6 else ("", "", arn)
        concurrency = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency")
        return cls(
            queue_arn=arn,
            queue_name=name,
            account_id=account_id or mapping.key.account_id,
            region=region or mapping.key.region,
            batch_size=int(mapping.get("BatchSize", 10) or 10),
            window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0) or 0),
            report_item_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
            max_pollers=max(1, min(MAX_POLLERS, int(concurrency))) if concurrency else MAX_POLLERS,
            filters=FilterSet.compile(mapping.get("FilterCriteria"), SQS),
        )
