"""Kinesis event source mappings through a real gateway: boto3 puts records in
the companion Kinesis, real Python functions get them as AWS delivers them.

Expected shapes: test_lambda_integration_kinesis.snapshot.json (LocalStack's
recordings of AWS) and AWS's "Using Lambda with Kinesis Data Streams" guide.
The record-age test needs a record a minute old (``MaximumRecordAgeInSeconds``
is at least 60): it is put when the session's first stream test begins
(``aged_kinesis_record``, conftest.py) and checked last here.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import time
from typing import Any

import pytest
import requests

from .streams_support import ROLE, Clients, Reports, data_of, wait_until

KINESIS_RECORD_KEYS = ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn",
                       "awsRegion", "eventSourceARN"]
KINESIS_DATA_KEYS = ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data", "approximateArrivalTimestamp"]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def clients(gateway) -> Clients:
    return Clients(gateway.url)


@pytest.fixture(scope="module")
def reports(clients) -> Reports:
    url, _ = clients.queue()
    return Reports(clients, url)


@pytest.fixture(scope="module")
def reporter(clients, reports) -> str:
    return clients.reporter(reports.url)


def put(clients: Clients, name: str, data: bytes, key: str = "key") -> dict[str, Any]:
    return clients.kinesis.put_record(StreamName=name, Data=data, PartitionKey=key)


def test_records_reach_the_function_as_aws_delivers_them(clients, reports, reporter):
    name, arn = clients.stream(shards=2)
    before = put(clients, name, b"before the mapping")
    created = clients.lam.create_event_source_mapping(FunctionName=reporter, EventSourceArn=arn,
                                                      StartingPosition="LATEST", BatchSize=10)
    assert created["LastProcessingResult"] == "No records processed"
    clients.state_becomes(created["UUID"], "Enabled")
    payloads = {b'{"order": 1}': "json", b"plain text": "text", b"\x00\xff\xfe binary": "binary"}
    puts = {data: put(clients, name, data, key=kind) for data, kind in payloads.items()}
    records = reports.records(arn, 3)
    assert len(records) == 3
    by_data = {base64.b64decode(record["kinesis"]["data"]): record for record in records}
    assert set(by_data) == set(payloads)  # binary and non-JSON data reach the function as base64, as put
    for data, kind in payloads.items():
        record, answer = by_data[data], puts[data]
        assert list(record) == KINESIS_RECORD_KEYS
        assert list(record["kinesis"]) == KINESIS_DATA_KEYS
        arrival = record["kinesis"].pop("approximateArrivalTimestamp")
        assert isinstance(arrival, float) and abs(arrival - time.time()) < 30
        assert record == {
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": kind,
                        "sequenceNumber": answer["SequenceNumber"], "data": base64.b64encode(data).decode()},
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{answer['ShardId']}:{answer['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": ROLE,
            "awsRegion": "us-east-1",
            "eventSourceARN": arn,
        }
    assert before["SequenceNumber"] not in [record["kinesis"]["sequenceNumber"] for record in reports.records(arn, 3)
                                            if record["eventID"].startswith(before["ShardId"] + ":")]
    wait_until(lambda: clients.lam.get_event_source_mapping(UUID=created["UUID"])["LastProcessingResult"] == "OK")


@pytest.mark.parametrize("position", ["TRIM_HORIZON", "AT_TIMESTAMP"])
def test_starting_positions(clients, reports, reporter, position):
    name, arn = clients.stream()
    put(clients, name, b"first")
    boundary = time.time()
    wait_until(lambda: time.time() > boundary + 0.01, message="the clock to move on")
    put(clients, name, b"second")
    extra = {"StartingPositionTimestamp": datetime.datetime.fromtimestamp(boundary)} if position == "AT_TIMESTAMP" else {}
    clients.mapping(reporter, arn, StartingPosition=position, **extra)
    put(clients, name, b"third")
    expected = ["first", "second", "third"] if position == "TRIM_HORIZON" else ["second", "third"]
    records = reports.records(arn, len(expected))
    assert [data_of(record) for record in records] == expected


def test_batch_size_and_batching_window(clients, reports, reporter):
    name, arn = clients.stream()
    clients.mapping(reporter, arn, BatchSize=3, MaximumBatchingWindowInSeconds=2)
    clients.kinesis.put_records(StreamName=name, Records=[{"Data": f"r{i}".encode(), "PartitionKey": "k"}
                                                          for i in range(7)])
    events = reports.events(arn, lambda events: sum(len(e["Records"]) for e in events) >= 7)
    assert [len(event["Records"]) for event in events] == [3, 3, 1]
    assert [data_of(r) for e in events for r in e["Records"]] == [f"r{i}" for i in range(7)]
    # Within the window, records put apart arrive in one batch.
    put(clients, name, b"w1")
    put(clients, name, b"w2")
    events = reports.events(arn, lambda events: sum(len(e["Records"]) for e in events) >= 9)
    assert [data_of(r) for r in events[-1]["Records"]] == ["w1", "w2"]


def test_filtered_out_records_are_skipped(clients, reports, reporter):
    name, arn = clients.stream()
    clients.mapping(reporter, arn, FilterCriteria={"Filters": [{"Pattern": json.dumps({"data": {"kind": ["keep"]}})}]})
    for data in (b'{"kind": "drop", "n": 1}', b"not json", b'{"kind": "keep", "n": 2}', b"\x00\x01",
                 b'{"kind": "keep", "n": 3}'):
        put(clients, name, data)
    records = reports.records(arn, 2)
    assert [json.loads(data_of(record))["n"] for record in records] == [2, 3]
    put(clients, name, b'{"kind": "keep", "n": 4}')
    records = reports.records(arn, 3)
    assert [json.loads(data_of(record))["n"] for record in records] == [2, 3, 4]


def test_parallelization_factor_keeps_the_order_of_each_partition_key(clients, reports):
    pause = 0.5
    function = clients.reporter(reports.url, PAUSE=str(pause))
    name, arn = clients.stream()
    clients.mapping(function, arn, BatchSize=2, ParallelizationFactor=4)
    keys = ["alpha", "bravo", "charlie", "delta", "echo"]  # in 2 of the 4 lanes
    clients.kinesis.put_records(StreamName=name, Records=[
        {"Data": f"{key}-{n}".encode(), "PartitionKey": key} for n in range(6) for key in keys])
    found = reports.records(arn, 30, timeout=60)
    assert len(found) == 30
    for key in keys:
        assert [data_of(r) for r in found if r["kinesis"]["partitionKey"] == key] == [f"{key}-{n}" for n in range(6)]
    # Batches of different lanes ran at once (each takes at least ``pause``).
    starts = sorted(report["started"] for report in reports.of(arn))
    assert any(later < earlier + pause for earlier, later in zip(starts, starts[1:]))


def test_report_batch_item_failures_retries_from_the_lowest_failed_record(clients, reports):
    function = clients.reporter(reports.url)
    name, arn = clients.stream()
    destination_url, destination_arn = clients.queue()
    clients.mapping(function, arn, BatchSize=5, MaximumRetryAttempts=1,
                    FunctionResponseTypes=["ReportBatchItemFailures"],
                    DestinationConfig={"OnFailure": {"Destination": destination_arn}})
    datas = [b"ok-0", b"ok-1", b"fail-item", b"ok-3", b"ok-4"]
    answers = clients.kinesis.put_records(StreamName=name, Records=[{"Data": d, "PartitionKey": "k"} for d in datas])
    sequences = [entry["SequenceNumber"] for entry in answers["Records"]]
    failure = clients.messages(destination_url)[0]
    events = [event for event in reports.events(arn, lambda events: len(events) >= 2)]
    assert [[data_of(r) for r in event["Records"]] for event in events] == [
        ["ok-0", "ok-1", "fail-item", "ok-3", "ok-4"], ["fail-item", "ok-3", "ok-4"]]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (sequences[2], sequences[4], 3)
    put(clients, name, b"after")  # the shard moved on
    assert data_of(reports.records(arn, 9)[-1]) == "after"


def test_an_invalid_item_failure_answer_fails_the_whole_batch(clients, reports):
    function = clients.reporter(reports.url, ANSWER=json.dumps({"batchItemFailures": [{"itemIdentifier": ""}]}))
    name, arn = clients.stream()
    destination_url, destination_arn = clients.queue()
    clients.mapping(function, arn, BatchSize=2, MaximumRetryAttempts=1, FunctionResponseTypes=["ReportBatchItemFailures"],
                    DestinationConfig={"OnFailure": {"Destination": destination_arn}})
    clients.kinesis.put_records(StreamName=name, Records=[{"Data": b"a", "PartitionKey": "k"},
                                                          {"Data": b"b", "PartitionKey": "k"}])
    failure = clients.messages(destination_url)[0]
    assert [[data_of(r) for r in e["Records"]] for e in reports.events(arn, lambda e: len(e) >= 2)] == [["a", "b"]] * 2
    assert (failure["KinesisBatchInfo"]["batchSize"], failure["responseContext"]["functionError"]) == (2, None)


def test_bisect_on_error_isolates_the_bad_record_and_sends_it_to_sqs(clients, reports, reporter):
    name, arn = clients.stream()
    destination_url, destination_arn = clients.queue()
    uuid = clients.mapping(reporter, arn, BatchSize=4, BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
                           DestinationConfig={"OnFailure": {"Destination": destination_arn}})
    answers = clients.kinesis.put_records(StreamName=name, Records=[
        {"Data": d, "PartitionKey": "k"} for d in (b"a", b"b", b"c", b"poison")])["Records"]
    failure = clients.messages(destination_url)[0]
    events = reports.events(arn, lambda events: len(events) >= 5)
    assert [[data_of(r) for r in e["Records"]] for e in events] == [["a", "b", "c", "poison"], ["a", "b"],
                                                                    ["c", "poison"], ["c"], ["poison"]]
    arrival = failure["KinesisBatchInfo"].pop("approximateArrivalOfFirstRecord")
    assert ISO_MS.match(arrival) and failure["KinesisBatchInfo"].pop("approximateArrivalOfLastRecord") == arrival
    assert ISO_MS.match(failure.pop("timestamp"))
    request_id = failure["requestContext"].pop("requestId")
    assert re.match(r"^[0-9a-f-]{36}$", request_id)
    function_arn = clients.lam.get_function(FunctionName=reporter)["Configuration"]["FunctionArn"]
    assert failure == {
        "requestContext": {"functionArn": function_arn, "condition": "RetryAttemptsExhausted",
                           "approximateInvokeCount": 3},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "KinesisBatchInfo": {"shardId": answers[3]["ShardId"], "startSequenceNumber": answers[3]["SequenceNumber"],
                             "endSequenceNumber": answers[3]["SequenceNumber"], "batchSize": 1, "streamArn": arn},
    }
    assert clients.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "PROBLEM: Function call failed"


def test_on_failure_to_sns_and_s3(clients, reports, reporter):
    topic = clients.sns.create_topic(Name="failures")["TopicArn"]
    subscriber_url, subscriber_arn = clients.queue()
    clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=subscriber_arn)
    bucket = f"failures-{int(time.time() * 1000)}"
    clients.s3.create_bucket(Bucket=bucket)
    sns_stream, sns_arn = clients.stream()
    s3_stream, s3_arn = clients.stream()
    clients.mapping(reporter, sns_arn, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": topic}})
    uuid = clients.mapping(reporter, s3_arn, MaximumRetryAttempts=0,
                           DestinationConfig={"OnFailure": {"Destination": f"arn:aws:s3:::{bucket}"}})
    put(clients, sns_stream, b"poison")
    answer = put(clients, s3_stream, b"poison")

    notification = clients.messages(subscriber_url)[0]
    assert notification["Type"] == "Notification" and notification["TopicArn"] == topic
    record = json.loads(notification["Message"])
    assert record["KinesisBatchInfo"]["streamArn"] == sns_arn and "payload" not in record

    objects = wait_until(lambda: clients.s3.list_objects_v2(Bucket=bucket).get("Contents"), message="an S3 object")
    key = objects[0]["Key"]
    body = json.loads(clients.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    moment = datetime.datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert re.fullmatch(rf"aws/lambda/{uuid}/{answer['ShardId']}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-"
                        r"[0-9a-f-]{36}", key), key
    payload = json.loads(body.pop("payload"))  # the invocation event, as a JSON string
    assert [data_of(record) for record in payload["Records"]] == ["poison"]
    assert set(body) == {"requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"}


def test_tumbling_window_state_and_final_invocation(clients, reports):
    function = clients.reporter(reports.url, KIND="window")
    name, arn = clients.stream()
    clients.mapping(function, arn, BatchSize=1, TumblingWindowInSeconds=2)
    clients.kinesis.put_records(StreamName=name, Records=[{"Data": f"w{i}".encode(), "PartitionKey": "k"}
                                                          for i in range(3)])
    events = reports.events(arn, lambda events: any(e.get("isFinalInvokeForWindow") for e in events))
    assert [e["state"] for e in events] == [{}, {"count": 1}, {"count": 2}, {"count": 3}]
    assert [len(e["Records"]) for e in events] == [1, 1, 1, 0]
    assert [e["isFinalInvokeForWindow"] for e in events] == [False, False, False, True]
    window = events[0]["window"]
    start = datetime.datetime.strptime(window["start"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert start.timestamp() % 2 == 0
    assert window["end"] == (start + datetime.timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shard = events[0]["Records"][0]["eventID"].split(":")[0]
    for event in events:
        assert list(event) == ["Records", "window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow",
                               "isWindowTerminatedEarly"]
        assert (event["window"], event["shardId"], event["eventSourceARN"], event["isWindowTerminatedEarly"]) == (
            window, shard, arn, False)


def test_a_split_shard_is_read_to_its_end_before_its_children(clients, reports, reporter):
    name, arn = clients.stream()
    for i in range(3):
        put(clients, name, f"parent-{i}".encode(), key=f"k{i}")
    clients.kinesis.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2 ** 127))
    for i in range(6):
        put(clients, name, f"child-{i}".encode(), key=f"k{i}")
    clients.mapping(reporter, arn, BatchSize=100)
    records = reports.records(arn, 9)
    assert sorted(data_of(r) for r in records) == sorted([f"parent-{i}" for i in range(3)] +
                                                          [f"child-{i}" for i in range(6)])
    assert [data_of(r) for r in records[:3]] == [f"parent-{i}" for i in range(3)]
    assert {r["eventID"].split(":")[0] for r in records[3:]} == {"shardId-000000000001", "shardId-000000000002"}


def test_a_throttled_function_slows_delivery_but_loses_nothing(clients, reports):
    function = clients.reporter(reports.url, KIND="throttled")
    clients.lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
    name, arn = clients.stream()
    uuid = clients.mapping(function, arn)
    put(clients, name, b"waits")
    with pytest.raises(AssertionError):  # every invocation is throttled meanwhile
        reports.records(arn, 1, timeout=2)
    clients.lam.delete_function_concurrency(FunctionName=function)
    assert [data_of(r) for r in reports.records(arn, 1)] == ["waits"]
    wait_until(lambda: clients.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK")


def test_disable_enable_and_a_deleted_stream(clients, reports, reporter, gateway):
    name, arn = clients.stream()
    uuid = clients.mapping(reporter, arn)
    put(clients, name, b"one")
    reports.records(arn, 1)
    clients.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    clients.state_becomes(uuid, "Disabled")
    put(clients, name, b"while disabled")
    clients.lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    clients.state_becomes(uuid, "Enabled")
    assert [data_of(r) for r in reports.records(arn, 2)] == ["one", "while disabled"]  # resumed at its checkpoint

    clients.kinesis.delete_stream(StreamName=name)
    mapping = clients.state_becomes(uuid, "Disabled")
    assert (mapping["StateTransitionReason"], mapping["LastProcessingResult"]) == (
        "Lambda initiated", "PROBLEM: Stream not found")
    assert requests.get(f"{gateway.url}/_gateway/health", timeout=10).status_code == 200
    other, other_arn = clients.stream()
    clients.mapping(reporter, other_arn)
    put(clients, other, b"still serving")
    assert data_of(reports.records(other_arn, 1)[0]) == "still serving"


def test_a_record_older_than_its_maximum_age_goes_to_on_failure(clients, aged_kinesis_record):
    """Last in the module: the record (put when the session's first stream test
    began, see conftest.py) has been retried for a minute, then discarded."""
    failure = clients.messages(aged_kinesis_record["destination"], timeout=90)[0]
    assert failure["requestContext"]["condition"] == "RecordAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert "responseContext" not in failure
    info = failure["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["batchSize"], info["streamArn"]) == (
        aged_kinesis_record["sequence"], 1, aged_kinesis_record["stream"])
