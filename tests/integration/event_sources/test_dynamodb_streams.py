"""DynamoDB Streams event source mappings through a real gateway: boto3 writes
items to the companion DynamoDB, real Python functions get the stream records
as AWS delivers them.

Expected shapes: test_lambda_integration_dynamodbstreams.snapshot.json
(LocalStack's recordings of AWS; its first test's item is reproduced here,
SizeBytes and all) and AWS's "Using Lambda with DynamoDB" guide.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from .streams_support import Clients, Reports, data_of, wait_until

RECORD_KEYS = ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN"]
ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module", autouse=True)
def kinesis_record_ages(aged_kinesis_record) -> None:
    """The Kinesis record-age test's minute starts now (conftest.py)."""


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


def test_a_stream_record_as_aws_delivers_it(clients, reports, reporter):
    table, arn = clients.table(view="NEW_IMAGE", key="my_partition_key")
    clients.mapping(reporter, arn, BatchSize=1)
    clients.dynamodb.put_item(TableName=table, Item={"my_partition_key": {"S": "hello world"},
                                                     "binary_key": {"B": b"foobar"}})
    record = reports.records(arn, 1)[0]
    assert list(record) == RECORD_KEYS
    assert list(record["dynamodb"]) == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber",
                                        "SizeBytes", "StreamViewType"]
    created = record["dynamodb"].pop("ApproximateCreationDateTime")
    assert isinstance(created, int) and abs(created - time.time()) < 30
    assert re.fullmatch(r"[0-9a-f]{32}", record.pop("eventID"))
    assert re.fullmatch(r"\d+", record["dynamodb"].pop("SequenceNumber"))
    assert record == {
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"my_partition_key": {"S": "hello world"}},
            "NewImage": {"binary_key": {"B": "Zm9vYmFy"}, "my_partition_key": {"S": "hello world"}},
            "SizeBytes": 70,  # as AWS recorded it for this item
            "StreamViewType": "NEW_IMAGE",
        },
        "eventSourceARN": arn,
    }


def test_each_change_is_one_record_with_its_images(clients, reports, reporter):
    table, arn = clients.table()
    clients.mapping(reporter, arn, BatchSize=10, MaximumBatchingWindowInSeconds=1)
    db = clients.dynamodb
    db.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                   ExpressionAttributeValues={":n": {"N": "15"}})  # creates the item: one INSERT
    db.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "15"}})  # changes nothing: no record
    db.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "16"},
                                       "doc": {"M": {"tags": {"L": [{"S": "x"}, {"BOOL": True}]}}}})
    db.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    db.delete_item(TableName=table, Key={"pk": {"S": "missing"}})  # deletes nothing: no record
    db.put_item(TableName=table, Item={"pk": {"S": "b"}, "data": {"S": "last"}})
    records = reports.records(arn, 4)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE", "INSERT"]
    images = [{name: r["dynamodb"].get(name) for name in ("Keys", "NewImage", "OldImage")} for r in records]
    first = {"pk": {"S": "a"}, "n": {"N": "15"}}
    second = {"pk": {"S": "a"}, "n": {"N": "16"}, "doc": {"M": {"tags": {"L": [{"S": "x"}, {"BOOL": True}]}}}}
    assert images == [
        {"Keys": {"pk": {"S": "a"}}, "NewImage": first, "OldImage": None},
        {"Keys": {"pk": {"S": "a"}}, "NewImage": second, "OldImage": first},
        {"Keys": {"pk": {"S": "a"}}, "NewImage": None, "OldImage": second},
        {"Keys": {"pk": {"S": "b"}}, "NewImage": {"pk": {"S": "b"}, "data": {"S": "last"}}, "OldImage": None},
    ]
    # Item sizes as DynamoDB counts them: names and values, a number a byte per two digits plus
    # one, a map or list 3 bytes plus a byte per element: pk=a 3, n=15 3, doc 3 + (3 + 1 + 4 + (3 + 2 + 2)).
    keys, first_size, second_size = 3, 3 + 3, 3 + 3 + 18
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [
        keys + first_size, keys + second_size + first_size, keys + second_size, keys + 3 + 8]
    sequences = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequences == sorted(sequences)


def test_latest_and_filters_on_typed_values(clients, reports, reporter):
    table, arn = clients.table()
    clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": "early"}, "data": {"S": "keep"}})
    second = int(time.time())
    wait_until(lambda: int(time.time()) > second, message="the next second")
    pattern = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"data": {"S": ["keep"]}}}}
    clients.mapping(reporter, arn, StartingPosition="LATEST",
                    FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})
    for key, data in (("k1", "keep"), ("k2", "drop"), ("k1", "changed"), ("k3", "keep")):
        clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "data": {"S": data}})
    clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": "k4"}, "data": {"S": "keep"}})
    records = reports.records(arn, 3)
    assert [(r["dynamodb"]["Keys"]["pk"]["S"], data_of(r)) for r in records] == [
        ("k1", "keep"), ("k3", "keep"), ("k4", "keep")]


def test_partial_failures_then_on_failure_with_the_stream_batch_info(clients, reports):
    function = clients.reporter(reports.url)
    table, arn = clients.table()
    destination_url, destination_arn = clients.queue()
    clients.mapping(function, arn, BatchSize=3, MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
                    FunctionResponseTypes=["ReportBatchItemFailures"],
                    DestinationConfig={"OnFailure": {"Destination": destination_arn}})
    for key, data in (("a", "ok"), ("b", "fail-item"), ("c", "ok")):
        clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "data": {"S": data}})
    failure = clients.messages(destination_url)[0]
    events = reports.events(arn, lambda events: len(events) >= 2)
    assert [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]] for e in events] == [["a", "b", "c"], ["b", "c"]]
    failed = events[1]["Records"]
    shard = clients.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    assert list(failure) == ["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo"]
    info = failure["DDBStreamBatchInfo"]
    assert ISO_SECONDS.match(info.pop("approximateArrivalOfFirstRecord"))
    assert ISO_SECONDS.match(info.pop("approximateArrivalOfLastRecord"))
    assert info.pop("shardId") == shard
    assert info == {"startSequenceNumber": failed[0]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": failed[1]["dynamodb"]["SequenceNumber"], "batchSize": 2, "streamArn": arn}
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": None}


def test_a_deleted_table_disables_the_mapping(clients, reports, reporter):
    table, arn = clients.table()
    uuid = clients.mapping(reporter, arn)
    clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "data": {"S": "before"}})
    reports.records(arn, 1)
    clients.dynamodb.delete_table(TableName=table)
    mapping = clients.state_becomes(uuid, "Disabled")
    assert (mapping["StateTransitionReason"], mapping["LastProcessingResult"]) == (
        "Lambda initiated", "PROBLEM: Stream not found")
