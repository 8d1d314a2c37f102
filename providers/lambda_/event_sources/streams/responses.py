"""What a function's answer to a stream batch means, as AWS reads it.

``ReportBatchItemFailures`` (AWS's "Configuring partial batch response with
Kinesis Data Streams and Lambda", and its recorded outcomes,
test_lambda_integration_kinesis.snapshot.json ``report_batch_item_*``):

- complete success: no ``batchItemFailures`` (an empty, null, non-object or
  non-JSON answer, ``{}``), or an empty or null ``batchItemFailures`` list;
- partial: every failure names a record of the batch by its sequence number
  (``itemIdentifier``): Lambda checkpoints before the lowest one and retries
  from it;
- complete failure: a failure that is no object, whose ``itemIdentifier`` is
  missing, null, empty, not a string or not a sequence number of the batch,
  or a ``batchItemFailures`` that is not a list.

Tumbling windows: an answer without a ``state`` member is a failed
invocation ("If the response does not contain a state property, Lambda
considers this a failed invocation").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from ...backend.values import InvokeOutcome
    from .source import StreamRecord

NO_STATE = object()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    retry_from: Optional[int] = None  # partial failure: the index of the first record to retry
    function_error: Optional[str] = None
    state: Any = NO_STATE  # tumbling windows: the state the function returned

    @property
    def partial(self) -> bool:
        return self.retry_from is not None


def interpret(outcome: "InvokeOutcome", records: Sequence["StreamRecord"], report_item_failures: bool,
              windowed: bool) -> Verdict:
    if outcome.function_error:
        return Verdict(False, function_error=outcome.function_error)
    body = _json(outcome.payload)
    state = NO_STATE
    if windowed:
        if not isinstance(body, dict) or "state" not in body:
            return Verdict(False)
        state = body["state"]
    if not report_item_failures or not isinstance(body, dict):
        return Verdict(True, state=state)
    failures = body.get("batchItemFailures")
    if failures is None or failures == []:
        return Verdict(True, state=state)
    if not isinstance(failures, list):
        return Verdict(False, state=state)
    positions = {record.sequence: index for index, record in enumerate(records)}
    lowest = None
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return Verdict(False, state=state)
        lowest = positions[identifier] if lowest is None else min(lowest, positions[identifier])
    return Verdict(False, retry_from=lowest, state=state)


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload.strip() else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
