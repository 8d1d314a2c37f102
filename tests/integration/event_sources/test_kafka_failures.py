"""Kafka mappings when things go wrong: a failing function (partial batch
responses, retries, the OnFailure destination with AWS's Kafka invocation
record, kafka-on-failure.html), a broker nobody answers at, a topic that does
not exist yet, and a gateway restart with PERSISTENCE=1 (the group's committed
offsets say where to resume: nothing skipped, nothing delivered twice).
"""

from __future__ import annotations

import json

import pytest

from providers.lambda_.event_sources.kafka.poller import CONNECTION_ERROR, TOPIC_NOT_FOUND
from tests.support.gateway_process import GatewayProcess
from tests.support.kafka_broker import free_port

from .kafka_support import Harness, records_of, unique, values_of, wait_until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def harness(gateway) -> Harness:
    return Harness(gateway.url)


def test_partial_failures_retry_then_go_to_the_failure_destination(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("failing"))
    for value in (b"fine", b"retry-me", b"after"):
        kafka_broker.produce(topic, value)
    function, results = harness.reporter(partial=True)
    destination_url, destination_arn = harness.queue(unique("dlq"))
    mapping = harness.self_managed(function, kafka_broker, topic, FunctionResponseTypes=["ReportBatchItemFailures"],
                                   DestinationConfig={"OnFailure": {"Destination": destination_arn}})

    # The first invoke has the three records; the function fails the second, so the second and
    # the one after it are retried (AWS caps infinite retries at 10 when a destination is set).
    [failure] = harness.messages(destination_url, 1, timeout=40)
    events = harness.messages(results, 11)
    assert values_of(events[:1]) == [b"fine", b"retry-me", b"after"]
    assert all(values_of([event]) == [b"retry-me", b"after"] for event in events[1:])
    harness.nothing_more(results)

    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 11
    assert failure["requestContext"]["functionArn"] == harness.lam.get_function(FunctionName=function)[
        "Configuration"]["FunctionArn"]
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert failure["version"] == "1.0"
    info = failure["KafkaBatchInfo"]
    assert (info["batchSize"], info["bootstrapServers"], "eventSourceArn" in info) == (2, kafka_broker.bootstrap, False)
    record_offsets = info["recordsInfo"][f"{topic}-0"]
    assert (record_offsets["firstRecordOffset"], record_offsets["lastRecordOffset"]) == ("1", "2")
    assert record_offsets["firstRecordTimestamp"].endswith("Z")
    assert info["payloadSize"] > 0 and "payload" not in failure  # the event itself goes to S3 destinations only

    # Handed to the destination: committed, the partition moves on.
    wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic) == [3], message="offsets committed")
    kafka_broker.produce(topic, b"next")
    assert values_of(harness.messages(results, 1)) == [b"next"]
    assert harness.result_becomes(mapping["UUID"], "OK")["State"] == "Enabled"


def test_a_failing_batch_is_retried_until_it_succeeds(harness, kafka_broker):
    """Without a destination, retries are infinite: the partition waits, nothing is skipped."""
    topic = kafka_broker.create_topic(unique("poison"))
    kafka_broker.produce(topic, b"poison")
    function, results = harness.reporter()
    mapping = harness.self_managed(function, kafka_broker, topic)
    assert len(harness.messages(results, 3)) == 3  # the same record, again and again
    harness.result_becomes(mapping["UUID"], "PROBLEM: Function call failed")
    assert kafka_broker.committed(mapping["UUID"], topic) == [0]  # its starting position, nothing past it
    harness.lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_unreachable_broker_and_missing_topic_are_reported(harness, kafka_broker):
    function, results = harness.reporter()
    nowhere = harness.lam.create_event_source_mapping(
        FunctionName=function, Topics=["orders"], StartingPosition="LATEST",
        SelfManagedEventSource={"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [f"127.0.0.1:{free_port()}"]}})
    topic = unique("later")
    missing = harness.self_managed(function, kafka_broker, topic)

    assert harness.result_becomes(nowhere["UUID"], CONNECTION_ERROR)["State"] == "Enabled"
    assert harness.result_becomes(missing["UUID"], TOPIC_NOT_FOUND)["State"] == "Enabled"
    # The gateway stays healthy and serves as before.
    assert harness.lam.list_functions()["Functions"]

    # The topic appears: the mapping finds it (with back-off) and delivers from its beginning.
    kafka_broker.create_topic(topic)
    kafka_broker.produce(topic, b"hello")
    assert values_of(harness.messages(results, 1, timeout=30)) == [b"hello"]
    harness.result_becomes(missing["UUID"], "OK")
    for mapping in (nowhere, missing):
        harness.lam.delete_event_source_mapping(UUID=mapping["UUID"])


def test_a_restarted_gateway_resumes_from_the_committed_offsets(kafka_broker, tmp_path):
    topic = kafka_broker.create_topic(unique("durable"))
    env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data")}
    with GatewayProcess(env) as first:
        harness = Harness(first.url)
        function, results = harness.reporter()
        mapping = harness.self_managed(function, kafka_broker, topic)
        kafka_broker.produce(topic, b"one")
        assert values_of(harness.messages(results, 1)) == [b"one"]
        wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic) == [1], message="committed")
    kafka_broker.produce(topic, b"two")  # written while no gateway runs
    with GatewayProcess(env) as second:
        harness = Harness(second.url)
        # The function and the mapping persisted; companion queues do not: the results queue again.
        results = harness.queue(results.rsplit("/", 1)[1])[0]
        events = harness.messages(results, 1)
        assert values_of(events) == [b"two"]
        assert [record["offset"] for record in records_of(events)] == [1]
        kafka_broker.produce(topic, b"three")
        assert values_of(harness.messages(results, 1)) == [b"three"]
        harness.nothing_more(results)
        assert json.loads(json.dumps(harness.mapping(mapping["UUID"])["Topics"])) == [topic]
