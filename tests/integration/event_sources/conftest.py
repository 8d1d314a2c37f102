"""Fixtures of the event source tests."""

from __future__ import annotations

import pytest

from tests.support.kafka_broker import KafkaBroker, unavailable_reason


@pytest.fixture(scope="session")
def kafka_broker(request) -> KafkaBroker:
    """One Kafka-compatible broker (tansu) for the session; skips, saying why, where none can run."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    broker = KafkaBroker().start()
    request.addfinalizer(broker.stop)
    return broker
