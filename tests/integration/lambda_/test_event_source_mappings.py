"""Create/Get/Update/Delete/ListEventSourceMappings through boto3 (no polling here).

Expected shapes, codes and messages: LocalStack's AWS-recorded snapshots —
test_lambda_api.snapshot.json (TestLambdaEventSourceMappings::test_event_source_mapping_exceptions,
::test_event_source_mapping_lifecycle, ::test_function_name_variations),
event_source_mapping/test_api.snapshot.json (test_create_starting_position_validation_exceptions),
event_source_mapping/test_lambda_integration_sqs.snapshot.json (create_event_source_mapping,
TestSQSEventSourceMapping::test_duplicate_event_source_mappings),
event_source_mapping/test_lambda_integration_kinesis.snapshot.json
(TestKinesisSource::test_esm_with_not_existing_kinesis_stream),
event_source_mapping/test_lambda_integration_dynamodbstreams.snapshot.json
(TestDynamoDBEventSourceMapping::test_esm_with_not_existing_dynamodb_stream).

AWS checks the source exists, so mappings here read from real queues, streams
and table streams of the companion services (created in milliseconds).
"""

from __future__ import annotations

import datetime
import uuid

import pytest

from .config_helpers import (
    EventSources, create_function, error, error_or_none, publish_version, status, unique, wait_until,
)

ACCOUNT = "000000000000"
OTHER_ACCOUNT = "111111111111"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function"
NOT_FOUND = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
QUEUE_NOT_FOUND = (
    "InvalidParameterValueException",
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
    "SQS Error Message: The specified queue does not exist for this wsdl version.",
    400,
)


def invalid(message: str) -> tuple[str, str, int]:
    return ("InvalidParameterValueException", message, 400)


def stream_not_found(source: str) -> tuple[str, str, int]:
    return invalid(f"Stream not found: {source}")


def missing_queue_arn(region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:aws:sqs:{region}:{account}:{unique('missing')}"


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def sources(aws_client) -> EventSources:
    return EventSources(aws_client)


@pytest.fixture
def function(client):
    return create_function(client)


def state_becomes(client, mapping_uuid: str, state: str) -> dict:
    return wait_until(lambda: (lambda m: m if m["State"] == state else None)(client.get_event_source_mapping(UUID=mapping_uuid)))


def test_sqs_mapping_defaults_and_lifecycle(client, function, sources):
    source = sources.queue()
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


def test_created_disabled_mapping_settles_disabled(client, function, sources):
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue(), Enabled=False)
    assert created["State"] == "Creating"
    state_becomes(client, created["UUID"], "Disabled")


def test_stream_mapping_defaults(client, function, sources):
    # test_event_source_mapping_lifecycle (DynamoDB stream): AWS's stream defaults.
    source = sources.table_stream()
    created = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=source, StartingPosition="TRIM_HORIZON",
        DestinationConfig={"OnFailure": {"Destination": sources.queue()}}, MaximumRetryAttempts=1,
    )
    assert created["StateTransitionReason"] == "User action"
    assert created["LastProcessingResult"] == "No records processed"
    for key, value in {
        "BatchSize": 100, "BisectBatchOnFunctionError": False, "FunctionResponseTypes": [], "MaximumBatchingWindowInSeconds": 0,
        "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": 1, "ParallelizationFactor": 1,
        "StartingPosition": "TRIM_HORIZON", "TumblingWindowInSeconds": 0, "State": "Creating",
    }.items():
        assert created[key] == value, key
    kinesis = client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.stream(), StartingPosition="LATEST")
    assert kinesis["MaximumRetryAttempts"] == -1 and kinesis["DestinationConfig"] == {"OnFailure": {}}
    at = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
    at_timestamp = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=sources.stream(), StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=at
    )
    assert at_timestamp["StartingPositionTimestamp"] == at


def test_create_errors(client, function, sources):
    # test_event_source_mapping_exceptions
    assert error(client.create_event_source_mapping, FunctionName=function) == invalid("Unrecognized event source.")
    sqs, table, stream = sources.queue(), sources.table_stream(), sources.stream()
    assert error(client.create_event_source_mapping, FunctionName="doesnotexist", EventSourceArn=sqs) == (
        invalid("Function does not exist")
    )
    assert error(client.create_event_source_mapping, FunctionName=f"{function}:10", EventSourceArn=sqs) == (
        invalid("Function does not exist")
    )
    # test_create_starting_position_validation_exceptions
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
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=sources.queue(),
        FilterCriteria={"Filters": [{"Pattern": "not json"}]},
    ) == invalid("Invalid filter pattern definition.")
    patterned = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=sources.queue(), FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]}
    )
    assert patterned["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]}


def test_duplicate_mapping_conflicts(client, function, sources):
    # SQS: test_lambda_integration_sqs.snapshot.json TestSQSEventSourceMapping::test_duplicate_event_source_mappings
    source = sources.queue()
    first = client.create_event_source_mapping(FunctionName=function, EventSourceArn=source)
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=source) == (
        "ResourceConflictException",
        f'An event source mapping with SQS arn (" {source} ") and function (" {function} ") already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
        409,
    )
    stream = sources.stream()
    first = client.create_event_source_mapping(FunctionName=function, EventSourceArn=stream, StartingPosition="LATEST")
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=stream, StartingPosition="LATEST") == (
        "ResourceConflictException",
        f'The event source arn (" {stream} ") and function (" {function} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}",
        409,
    )


def test_function_name_variations(client, function, sources):
    # test_function_name_variations: FunctionArn keeps the qualifier the caller gave.
    version = publish_version(client, function)
    client.create_alias(FunctionName=function, Name="myalias", FunctionVersion=version)
    for name, expected in (
        (function, f"{ARN}:{function}"),
        (f"{ACCOUNT}:function:{function}:$LATEST", f"{ARN}:{function}:$LATEST"),
        (f"{ACCOUNT}:function:{function}:{version}", f"{ARN}:{function}:{version}"),
        (f"{ARN}:{function}:myalias", f"{ARN}:{function}:myalias"),
    ):
        assert client.create_event_source_mapping(FunctionName=name, EventSourceArn=sources.queue())["FunctionArn"] == expected


def test_unknown_uuid(client):
    # test_event_source_mapping_exceptions: get_unknown_uuid / delete_unknown_uuid / update_unknown_uuid
    missing = str(uuid.uuid4())
    assert error(client.get_event_source_mapping, UUID=missing) == NOT_FOUND
    assert error(client.delete_event_source_mapping, UUID=missing) == NOT_FOUND
    assert error(client.update_event_source_mapping, UUID=missing, BatchSize=1) == NOT_FOUND


def test_update_validates_merged_configuration(client, function, sources):
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue())
    assert error(client.update_event_source_mapping, UUID=created["UUID"], BatchSize=50) == invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    )
    other = create_function(client)
    moved = client.update_event_source_mapping(UUID=created["UUID"], FunctionName=other, BatchSize=50, MaximumBatchingWindowInSeconds=5)
    assert (moved["FunctionArn"], moved["BatchSize"], moved["MaximumBatchingWindowInSeconds"]) == (f"{ARN}:{other}", 50, 5)
    assert error(client.update_event_source_mapping, UUID=created["UUID"], FunctionName="doesnotexist") == invalid("Function does not exist")


def test_list_filters_and_pages(client, function, sources):
    source = sources.queue()
    other = create_function(client)
    mine = [client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue())["UUID"] for _ in range(3)]
    shared = client.create_event_source_mapping(FunctionName=other, EventSourceArn=source)["UUID"]
    by_function = client.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert [m["UUID"] for m in by_function] == mine
    assert [m["UUID"] for m in client.list_event_source_mappings(EventSourceArn=source)["EventSourceMappings"]] == [shared]
    assert [m["UUID"] for m in client.list_event_source_mappings(FunctionName=f"{ARN}:{other}", EventSourceArn=source)["EventSourceMappings"]] == [shared]
    first = client.list_event_source_mappings(FunctionName=function, MaxItems=2)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == mine[:2]
    second = client.list_event_source_mappings(FunctionName=function, MaxItems=2, Marker=first["NextMarker"])
    assert [m["UUID"] for m in second["EventSourceMappings"]] == mine[2:] and "NextMarker" not in second


def test_mappings_outlive_their_function(client, sources):
    # AWS's DeleteFunction leaves event source mappings in place (use DeleteEventSourceMapping).
    name = create_function(client)
    created = client.create_event_source_mapping(FunctionName=name, EventSourceArn=sources.queue())
    client.delete_function(FunctionName=name)
    assert client.get_event_source_mapping(UUID=created["UUID"])["FunctionArn"] == f"{ARN}:{name}"


def test_sources_must_exist(client, function, sources, aws_client):
    # test_esm_with_not_existing_kinesis_stream / test_esm_with_not_existing_dynamodb_stream
    missing_stream = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{unique('missing')}"
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=missing_stream,
                 StartingPosition="LATEST") == stream_not_found(missing_stream)
    missing_table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{unique('missing')}/stream/2025-02-22T03:03:25.490"
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=missing_table,
                 StartingPosition="LATEST") == stream_not_found(missing_table)
    # A table that exists, but not with the stream named.
    stale = sources.table_stream().rsplit("/", 1)[0] + "/2020-01-01T00:00:00.000"
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=stale,
                 StartingPosition="LATEST") == stream_not_found(stale)
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=missing_queue_arn()) == QUEUE_NOT_FOUND
    # "The Lambda function and the Amazon SQS queue must be in the same AWS Region"
    # (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): a queue elsewhere is not found.
    elsewhere = EventSources(aws_client, region="us-west-2").queue()
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=elsewhere) == QUEUE_NOT_FOUND
    assert client.list_event_source_mappings(FunctionName=function)["EventSourceMappings"] == []


def test_source_checks_come_after_the_function_and_parameters(client, function):
    assert error(client.create_event_source_mapping, FunctionName="doesnotexist", EventSourceArn=missing_queue_arn()) == (
        invalid("Function does not exist")
    )
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=missing_queue_arn(),
                 StartingPosition="LATEST") == invalid("StartingPosition is not valid for SQS event sources.")


def test_queue_of_another_account_is_checked_in_that_account(client, function, aws_client):
    # Lambda reads SQS across accounts (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-cross-account-example.html).
    theirs = EventSources(aws_client, access_key=OTHER_ACCOUNT).queue()
    assert theirs.split(":")[4] == OTHER_ACCOUNT
    assert client.create_event_source_mapping(FunctionName=function, EventSourceArn=theirs)["EventSourceArn"] == theirs
    missing = missing_queue_arn(account=OTHER_ACCOUNT)
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=missing) == QUEUE_NOT_FOUND


def test_create_tag_limit(client, function, sources):
    # The 50-tag limit TagResource enforces (TestLambdaTags::test_tag_limits) holds on create too.
    too_many = {f"{i}_key": f"{i}_value" for i in range(51)}
    assert error(client.create_event_source_mapping, FunctionName=function, EventSourceArn=sources.queue(), Tags=too_many) == (
        invalid("Number of tags exceeds resource tag limit.")
    )
    fifty = {f"{i}_key": f"{i}_value" for i in range(50)}
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue(), Tags=fifty)
    assert client.list_tags(Resource=created["EventSourceMappingArn"])["Tags"] == fifty
