"""Which messages of a batch to delete, from the function's answer, as AWS decides.

Without ``ReportBatchItemFailures``: all of them when the function succeeded,
none when it failed (an error; the messages return after their visibility
timeout).

With it (AWS's "Reporting batch item failures", success and failure
conditions, and its recorded outcomes, test_lambda_integration_sqs.snapshot.json
``test_report_batch_item_failures*``):

- complete success: an empty or null answer, an object without
  ``batchItemFailures`` (``{}``), or an empty or null ``batchItemFailures`` list;
- partial: each failure is an object whose ``itemIdentifier`` is the
  ``messageId`` of a message of the batch: every other message is deleted;
- complete failure: a function error, an answer that is not JSON or not an
  object, a ``batchItemFailures`` that is not a list, or a failure whose
  ``itemIdentifier`` is missing, null, empty, not a string, under another
  key, or names no message of the batch.

FIFO queues: a message that failed keeps every later message of its group
(in the batch) in the queue too, so the group is retried from it, in order.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from .records import Record

_INVALID = object()


def failed_ids(function_error: Optional[str], payload: bytes, records: Sequence[Record],
               report_item_failures: bool, fifo: bool) -> set[str]:
    """The messageIds of ``records`` that must stay in the queue."""
    every = {record.message_id for record in records}
    if function_error:
        return every
    if not report_item_failures:
        return set()
    failed = _reported(payload, every)
    if failed is None:
        return every
    if fifo and failed:
        failed = _with_later_in_group(failed, records)
    return failed


def _reported(payload: bytes, batch: set[str]) -> Optional[set[str]]:
    """The identifiers the answer reports, or None: the answer fails the whole batch."""
    answer = _json(payload)
    if answer is None:
        return set()
    if answer is _INVALID or not isinstance(answer, dict):
        return None
    failures = answer.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    reported = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in batch:
            return None
        reported.add(identifier)
    return reported


def _json(payload: bytes) -> Any:
    if not payload or not payload.strip():
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return _INVALID


def _with_later_in_group(failed: set[str], records: Sequence[Record]) -> set[str]:
    held_groups: set[str] = set()
    kept = set(failed)
    for record in records:
        if record.message_id in failed:
            held_groups.add(record.group_id)
        elif record.group_id in held_groups:
            kept.add(record.message_id)
    return kept
