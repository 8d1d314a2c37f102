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


@pytest.fixture(scope="session")
def aged_kinesis_record(gateway) -> dict:
    """A Kinesis record that fails until it is older than its mapping's
    MaximumRecordAgeInSeconds (60, the least allowed), then goes to an SQS
    OnFailure destination. Session-wide so that the minute passes while other
    tests run: requested first by test_dynamodb_streams.py, checked last by
    test_kinesis.py (``streams_support.start_aging``)."""
    from .streams_support import start_aging

    return start_aging(gateway.url)
