"""Self-managed Apache Kafka event source mappings against a real broker (tansu):
AWS's event shape, consumer groups, starting positions, batching, filtering,
disable/enable. Events as AWS documents them: with-kafka.html ("Example event"),
kafka-starting-positions.html, kafka-consumer-group-id.html, kafka-filtering.html.
"""

from __future__ import annotations

import json
import time

import pytest

from .kafka_support import Harness, b64, records_of, unique, values_of, wait_until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def harness(gateway) -> Harness:
    return Harness(gateway.url)


def test_records_reach_the_function_as_aws_shapes_them(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("orders"), partitions=2)
    kafka_broker.produce(topic, b'{"id": 1}', key=b"order-1", headers=[("trace", b"abc"), ("empty", None)],
                         partition=0, timestamp_ms=1_700_000_000_123)
    kafka_broker.produce(topic, b"\xff\x00binary", partition=1)  # no key, not UTF-8
    kafka_broker.produce(topic, None, key=b"gone", partition=1)  # a tombstone
    function, results = harness.reporter()

    # A one-second window: the records of both partitions in one event.
    mapping = harness.self_managed(function, kafka_broker, topic, MaximumBatchingWindowInSeconds=1)
    events = harness.messages(results, 1)
    assert len(records_of(events)) == 3, events
    event = events[0]
    assert list(event) == ["eventSource", "bootstrapServers", "records"]
    assert event["eventSource"] == "SelfManagedKafka"
    assert event["bootstrapServers"] == kafka_broker.bootstrap
    assert event["records"][f"{topic}-0"] == [{
        "topic": topic, "partition": 0, "offset": 0, "timestamp": 1_700_000_000_123, "timestampType": "CREATE_TIME",
        "key": b64(b"order-1"), "value": b64(b'{"id": 1}'),
        "headers": [{"trace": [97, 98, 99]}, {"empty": []}],
    }]
    binary, tombstone = event["records"][f"{topic}-1"]
    assert (binary["offset"], binary["value"], "key" in binary, binary["headers"]) == (0, b64(b"\xff\x00binary"), False, [])
    assert binary["timestampType"] == "CREATE_TIME" and abs(binary["timestamp"] / 1000 - time.time()) < 60
    assert (tombstone["offset"], tombstone["key"], "value" in tombstone) == (1, b64(b"gone"), False)

    current = harness.result_becomes(mapping["UUID"], "OK")
    assert current["State"] == "Enabled"
    # The default consumer group is the mapping's UUID; it committed past every record.
    assert current["SelfManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": mapping["UUID"]}
    wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic, 2) == [1, 2], message="offsets committed")


def test_latest_and_a_custom_consumer_group(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("latest"))
    kafka_broker.produce(topic, b"before")
    function, results = harness.reporter()
    group = unique("my-group")
    mapping = harness.self_managed(function, kafka_broker, topic, StartingPosition="LATEST",
                                   SelfManagedKafkaEventSourceConfig={"ConsumerGroupId": group})
    assert mapping["SelfManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": group}
    # Connected, positioned at the end (and that position committed for the group).
    harness.result_becomes(mapping["UUID"], "No records processed")
    assert kafka_broker.committed(group, topic) == [1]
    kafka_broker.produce(topic, b"after")
    assert values_of(harness.messages(results, 1)) == [b"after"]
    wait_until(lambda: kafka_broker.committed(group, topic) == [2], message="offset committed")
    assert kafka_broker.committed(mapping["UUID"], topic) == [-1001]  # the UUID's group was never used


def test_at_timestamp_starts_at_the_first_record_not_older(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("stamped"))
    now_ms = int(time.time() * 1000)
    for offset, age_seconds in enumerate((3600, 1800, 60)):
        kafka_broker.produce(topic, f"record-{offset}".encode(), timestamp_ms=now_ms - age_seconds * 1000)
    function, results = harness.reporter()
    harness.self_managed(function, kafka_broker, topic, StartingPosition="AT_TIMESTAMP",
                         StartingPositionTimestamp=time.time() - 900)
    assert values_of(harness.messages(results, 1)) == [b"record-2"]


def test_batch_size_and_batching_window(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("batched"))
    for index in range(7):
        kafka_broker.produce(topic, f"r{index}".encode())
    function, results = harness.reporter()
    harness.self_managed(function, kafka_broker, topic, BatchSize=3, MaximumBatchingWindowInSeconds=1)
    events = harness.messages(results, 3)
    assert [len(records_of([event])) for event in events] == [3, 3, 1]
    assert values_of(events) == [f"r{index}".encode() for index in range(7)]


def test_filtering_decodes_json_values_and_commits_skipped_records(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("filtered"))
    function, results = harness.reporter()
    mapping = harness.self_managed(function, kafka_broker, topic, BatchSize=1, FilterCriteria={
        "Filters": [{"Pattern": json.dumps({"value": {"kind": ["keep"]}})}]})
    for value in (b'{"kind": "skip"}', b"not json", b'{"kind": "keep", "n": 1}', b"\xff\xfe", b'{"kind": "keep", "n": 2}'):
        kafka_broker.produce(topic, value)
    # A JSON value is matched as JSON; a value that is not JSON (or not UTF-8) cannot be matched on its
    # content, so that part of the pattern is ignored (kafka-filtering.html) and the record is delivered.
    assert values_of(harness.messages(results, 4)) == [
        b"not json", b'{"kind": "keep", "n": 1}', b"\xff\xfe", b'{"kind": "keep", "n": 2}']
    # The record no filter matched is not delivered, and the group moved past it.
    wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic) == [5], message="skipped records committed")
    harness.nothing_more(results)


def test_disabled_mapping_resumes_from_its_committed_offset(harness, kafka_broker):
    topic = kafka_broker.create_topic(unique("paused"))
    function, results = harness.reporter()
    mapping = harness.self_managed(function, kafka_broker, topic)
    kafka_broker.produce(topic, b"first")
    assert values_of(harness.messages(results, 1)) == [b"first"]
    wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic) == [1], message="first committed")

    harness.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    wait_until(lambda: harness.mapping(mapping["UUID"])["State"] == "Disabled", message="disabled")
    kafka_broker.produce(topic, b"while disabled")
    harness.nothing_more(results)

    harness.lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    assert values_of(harness.messages(results, 1)) == [b"while disabled"]
    wait_until(lambda: kafka_broker.committed(mapping["UUID"], topic) == [2], message="second committed")
