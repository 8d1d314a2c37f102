"""Pure parts of the Kafka event sources: the MSK broker settings, Kafka's
partial batch responses (kafka-retry-configurations.html) and the retry limit."""

from __future__ import annotations

import json

import pytest

from gateway.config import Config, ConfigError
from providers.companions.msk_brokers import BrokerMap
from providers.lambda_.event_sources.kafka.delivery import partial_failures, retry_limit
from providers.lambda_.event_sources.kafka.records import Fetched


def broker_map(**env: str) -> BrokerMap:
    return BrokerMap.from_config(Config.from_env(env))


def test_broker_settings():
    assert broker_map().brokers("any") == "127.0.0.1:9092"
    brokers = broker_map(MSK_BOOTSTRAP_BROKERS="kafka.local:19092, [::1]:9092",
                         MSK_CLUSTER_BOOTSTRAP_BROKERS="orders=localhost:9093;audit=h1:1,h2:2;")
    assert brokers.brokers("other") == "kafka.local:19092,[::1]:9092"
    assert (brokers.brokers("orders"), brokers.brokers("audit")) == ("localhost:9093", "h1:1,h2:2")


@pytest.mark.parametrize("env, message", [
    ({"MSK_BOOTSTRAP_BROKERS": "localhost"}, "MSK_BOOTSTRAP_BROKERS: 'localhost' is not a broker address"),
    ({"MSK_BOOTSTRAP_BROKERS": "h:1,,h:2"}, "MSK_BOOTSTRAP_BROKERS='h:1,,h:2' is not valid"),
    ({"MSK_BOOTSTRAP_BROKERS": "h:70000"}, "'h:70000' is not a broker address"),
    ({"MSK_CLUSTER_BOOTSTRAP_BROKERS": "orders"}, "'orders' is not valid; expected <cluster name>="),
    ({"MSK_CLUSTER_BOOTSTRAP_BROKERS": "-bad=h:1"}, "'-bad=h:1' is not valid"),
    ({"MSK_CLUSTER_BOOTSTRAP_BROKERS": "a=h:1;a=h:2"}, "names cluster 'a' twice"),
])
def test_bad_broker_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError) as error:
        broker_map(**env)
    assert message in str(error.value)


def _batch() -> list[Fetched]:
    return [Fetched("t", partition, offset, 0, {}, 0) for partition in (0, 1) for offset in (5, 6, 7)]


def _answer(*failures: tuple[str, int]) -> bytes:
    return json.dumps({"batchItemFailures": [{"itemIdentifier": {"partition": p, "offset": o}} for p, o in failures]}).encode()


def test_partial_failures_resume_each_partition_at_its_offset():
    batch = _batch()
    retry = partial_failures(_answer(("t-0", 6)), batch)
    assert [(item.partition, item.offset) for item in retry] == [(0, 6), (0, 7)]
    retry = partial_failures(_answer(("t-1", 7), ("t-1", 5)), batch)
    assert [(item.partition, item.offset) for item in retry] == [(1, 5), (1, 6), (1, 7)]


@pytest.mark.parametrize("payload", [b"", b"null", b"{}", b'{"batchItemFailures": []}', b'{"batchItemFailures": null}'])
def test_empty_answers_are_success(payload):
    assert partial_failures(payload, _batch()) == []


@pytest.mark.parametrize("payload", [
    b"not json", b'"a string"', b'{"batchItemFailures": "t-0"}', _answer(("t-2", 5)), _answer(("t-0", 9)),
    b'{"batchItemFailures": [{"itemIdentifier": "t-0"}]}', b'{"batchItemFailures": [{"itemIdentifier": {"partition": "t-0", "offset": "5"}}]}',
])
def test_invalid_answers_fail_the_whole_batch(payload):
    assert partial_failures(payload, _batch()) is None


def test_retry_limit():
    destination = {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:dlq"}}}
    assert retry_limit({}) == -1
    assert retry_limit({"DestinationConfig": {"OnFailure": {}}}) == -1
    assert retry_limit(destination) == 10  # AWS: infinite retries with a destination become 10
    assert retry_limit({**destination, "MaximumRetryAttempts": 2}) == 2
