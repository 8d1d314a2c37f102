"""Create/Get/Update/Delete/ListEventSourceMappings through boto3 (no polling here).

Expected shapes, codes and messages: LocalStack's AWS-recorded snapshots —
test_lambda_api.snapshot.json (TestLambdaEventSourceMappings::test_event_source_mapping_exceptions,
::test_event_source_mapping_lifecycle, ::test_function_name_variations),
event_source_mapping/test_api.snapshot.json (test_create_starting_position_validation_exceptions),
event_source_mapping/test_lambda_integration_sqs.snapshot.json (create_event_source_mapping).
"""

from __future__ import annotations

import datetime
import uuid

import pytest

from .config_helpers import create_function, error, error_or_none, publish_version, status, unique, wait_until

ACCOUNT = "000000000000"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function"
NOT_FOUND = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def queue_arn() -> str:
    return f"arn:aws:sqs:us-east-1:{ACCOUNT}:{unique('queue')}"


def stream_arn() -> str:
    return f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{unique('stream')}"


def table_stream_arn() -> str:
    return f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{unique('table')}/stream/2024-01-01T00:00:00.000"


def invalid(message: str) -> tuple[str, str, int]:
    return ("InvalidParameterValueException", message, 400)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def function(client):
    return create_function(client)


def state_becomes(client, mapping_uuid: str, state: str) -> dict:
    return wait_until(lambda: (lambda m: m if m["State"] == state else None)(client.get_event_source_mapping(UUID=mapping_uuid)))


def test_sqs_mapping_defaults_and_lifecycle(client, function):
    source = queue_arn()
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=source)
    assert status(created) == 202
    mapping_uuid = created["UUID"]
    uuid.UUID(mapping_uuid)
    assert {k: v for k, v in created.items() if k not in ("ResponseMetadata", "LastModified", "UUID")} == {
        "BatchSize": 10,
        "EventSourceArn": source,
        "FunctionArn": f"{ARN}:{function}",
        "FunctionResponseTypes": [],
        "MaximumBatchingWindowInSeconds": 0,
        "State": "Creating",
        "StateTransitionReason": "USER_INITIATED",
        "EventSourceMappingArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:event-source-mapping:{mapping_uuid}",
    }
    assert isinstance(created["LastModified"], datetime.datetime)
    state_becomes(client, mapping_uuid, "Enabled")

    disabling = client.update_event_source_mapping(UUID=mapping_uuid, Enabled=False, BatchSize=5)
    assert status(disabling) == 202
    assert (disabling["State"], disabling["BatchSize"]) == ("Disabling", 5)
    state_becomes(client, mapping_uuid, "Disabled")
    enabling = client.update_event_source_mapping(UUID=mapping_uuid, Enabled=True)
    assert enabling["State"] == "Enabling"
    state_becomes(client, mapping_uuid, "Enabled")
    assert client.update_event_source_mapping(UUID=mapping_uuid, MaximumBatchingWindowInSeconds=2)["State"] == "Updating"
    state_becomes(client, mapping_uuid, "Enabled")

    deleted = client.delete_event_source_mapping(UUID=mapping_uuid)
    assert status(deleted) == 202 and deleted["State"] == "Deleting"
    wait_until(lambda: error_or_none(client.get_event_source_mapping, UUID=mapping_uuid) == NOT_FOUND)


def test_created_disabled_mapping_settles_disabled(client, function):
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn(), Enabled=False)
    assert created["State"] == "Creating"
    state_becomes(client, created["UUID"], "Disabled")


def test_stream_mapping_defaults(client, function):
    # test_event_source_mapping_lifecycle (DynamoDB stream): AWS's stream defaults.
    source = table_stream_arn()
    created = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=source, StartingPosition="TRIM_HORIZON",
        DestinationConfig={"OnFailure": {"Destination": queue_arn()}}, MaximumRetryAttempts=1,
    )
    assert created["StateTransitionReason"] == "User action"
    assert created["LastProcessingResult"] == "No records processed"
    for key, value in {
        "BatchSize": 100, "BisectBatchOnFunctionError": False, "FunctionResponseTypes": [], "MaximumBatchingWindowInSeconds": 0,
        "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": 1, "ParallelizationFactor": 1,
        "StartingPosition": "TRIM_HORIZON", "TumblingWindowInSeconds": 0, "State": "Creating",
    }.items():
        assert created[key] == value, key
    kinesis = client.create_event_source_mapping(FunctionName=function, EventSourceArn=stream_arn(), StartingPosition="LATEST")
    assert kinesis["MaximumRetryAttempts"] == -1 and kinesis["DestinationConfig"] == {"OnFailure": {}}
    at = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
    at_timestamp = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=stream_arn(), StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=at
    )
    assert at_timestamp["StartingPositionTimestamp"] == at


def test_create_errors(client, function):
    # test_event_source_mapping_exceptions
    assert error(client.create_event_source_mapping, FunctionName=function) == invalid("Unrecognized event source.")
    assert error(client.create_event_source_mapping, FunctionName="doesnotexist", EventSourceArn=queue_arn()) == (
        invalid("Function does not exist")
    )
    assert error(client.create_event_source_mapping, FunctionName=f"{function}:10", EventSourceArn=queue_arn()) == (
        invalid("Function does not exist")
    )
    # test_create_starting_position_validation_exceptions
    sqs, table, stream = queue_arn(), table_stream_arn(), stream_arn()
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=sqs, StartingPosition="LATEST") == (
        invalid("StartingPosition is not valid for SQS event sources.")
    )
    for source in (table, stream):
        assert error(
            client.create_event_source_mapping, FunctionName=function, EventSourceArn=source,
            StartingPosition="LATEST", StartingPositionTimestamp=datetime.datetime(2024, 1, 1),
        ) == invalid("Timestamp only valid with StartingPosition AT_TIMESTAMP")
        assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=source) == invalid(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."
        )
    assert error(
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=table,
        StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=datetime.datetime(2024, 1, 1),
    ) == invalid(f"Unsupported starting position for arn type: {table}")
    # SQS batching rules
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=sqs, BatchSize=11) == invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    )
    assert client.create_event_source_mapping(FunctionName=function, EventSourceArn=sqs, BatchSize=11, MaximumBatchingWindowInSeconds=1)
    # Filter patterns must be JSON objects.
    assert error(
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=queue_arn(),
        FilterCriteria={"Filters": [{"Pattern": "not json"}]},
    ) == invalid("Invalid filter pattern definition.")
    patterned = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=queue_arn(), FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]}
    )
    assert patterned["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]}


def test_duplicate_mapping_conflicts(client, function):
    source = queue_arn()
    first = client.create_event_source_mapping(FunctionName=function, EventSourceArn=source)
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=source) == (
        "ResourceConflictException",
        f'The event source arn (" {source} ") and function (" {function} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
        409,
    )


def test_function_name_variations(client, function):
    # test_function_name_variations: FunctionArn keeps the qualifier the caller gave.
    version = publish_version(client, function)
    client.create_alias(FunctionName=function, Name="myalias", FunctionVersion=version)
    for name, expected in (
        (function, f"{ARN}:{function}"),
        (f"{ACCOUNT}:function:{function}:$LATEST", f"{ARN}:{function}:$LATEST"),
        (f"{ACCOUNT}:function:{function}:{version}", f"{ARN}:{function}:{version}"),
        (f"{ARN}:{function}:myalias", f"{ARN}:{function}:myalias"),
    ):
        assert client.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn())["FunctionArn"] == expected


def test_unknown_uuid(client):
    # test_event_source_mapping_exceptions: get_unknown_uuid / delete_unknown_uuid / update_unknown_uuid
    missing = str(uuid.uuid4())
    assert error(client.get_event_source_mapping, UUID=missing) == NOT_FOUND
    assert error(client.delete_event_source_mapping, UUID=missing) == NOT_FOUND
    assert error(client.update_event_source_mapping, UUID=missing, BatchSize=1) == NOT_FOUND


def test_update_validates_merged_configuration(client, function):
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn())
    assert error(client.update_event_source_mapping, UUID=created["UUID"], BatchSize=50) == invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    )
    other = create_function(client)
    moved = client.update_event_source_mapping(UUID=created["UUID"], FunctionName=other, BatchSize=50, MaximumBatchingWindowInSeconds=5)
    assert (moved["FunctionArn"], moved["BatchSize"], moved["MaximumBatchingWindowInSeconds"]) == (f"{ARN}:{other}", 50, 5)
    assert error(client.update_event_source_mapping, UUID=created["UUID"], FunctionName="doesnotexist") == invalid("Function does not exist")


def test_list_filters_and_pages(client, function):
    source = queue_arn()
    other = create_function(client)
    mine = [client.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn())["UUID"] for _ in range(3)]
    shared = client.create_event_source_mapping(FunctionName=other, EventSourceArn=source)["UUID"]
    by_function = client.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["UUID"] for m in by_function] == mine
    assert [m["UUID"] for m in client.list_event_source_mappings(EventSourceArn=source)["EventSourceMappings"]] == [shared]
    assert [m["UUID"] for m in client.list_event_source_mappings(FunctionName=f"{ARN}:{other}", EventSourceArn=source)["EventSourceMappings"]] == [shared]
    first = client.list_event_source_mappings(FunctionName=function, MaxItems=2)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == mine[:2]
    second = client.list_event_source_mappings(FunctionName=function, MaxItems=2, Marker=first["NextMarker"])
    assert [m["UUID"] for m in second["EventSourceMappings"]] == mine[2:] and "NextMarker" not in second


def test_mappings_outlive_their_function(client):
    # AWS's DeleteFunction leaves event source mappings in place (use DeleteEventSourceMapping).
    name = create_function(client)
    created = client.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn())
    client.delete_function(FunctionName=name)
    assert client.get_event_source_mapping(UUID=created["UUID"])["FunctionArn"] == f"{ARN}:{name}"
