"""Ended durable executions are kept ``RetentionPeriodInDays`` (AWS: "The number of
days to retain execution history after a durable execution completes"), then
forgotten as DeleteDurableExecution forgets them."""

from __future__ import annotations

import pytest

from providers.lambda_.durable.errors import NotFound
from providers.lambda_.durable.service import DurableService

from .test_durable_journal import new_execution


def test_an_ended_execution_is_forgotten_after_its_retention_period():
    service = DurableService(backend=None, scale=1.0, state_dir=None)  # type: ignore[arg-type]
    try:
        execution = new_execution()
        execution.durable_config["RetentionPeriodInDays"] = 3
        service._index(execution)
        service.stop("000000000000", execution.arn, None)
        [retention] = execution.timers
        assert retention.kind == "retention" and retention.due == pytest.approx(execution.end + 3 * 86400)

        service._timer_fired(execution.arn, "retention", execution.execution_id)  # early: nothing happens
        assert service.find("000000000000", execution.arn) is execution
        retention.due = 0.0
        service._timer_fired(execution.arn, "retention", execution.execution_id)
        with pytest.raises(NotFound):
            service.find("000000000000", execution.arn)
    finally:
        service.shutdown()
