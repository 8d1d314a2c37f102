"""FilterCriteria refused and accepted by Create/UpdateEventSourceMapping, through boto3.

AWS's answer to a pattern it refuses (LocalStack's AWS-recorded
test_lambda_integration_sqs.snapshot.json, TestSQSEventSourceMapping::test_sqs_invalid_event_filter):
400 InvalidParameterValueException "Invalid filter pattern definition.". The
pattern language itself is tested case by case in tests/unit/test_event_filters.py.
"""

from __future__ import annotations

import json

import pytest

from .config_helpers import EventSources, create_function, error

INVALID = ("InvalidParameterValueException", "Invalid filter pattern definition.", 400)


def criteria(*patterns) -> dict:
    return {"Filters": [{"Pattern": item if isinstance(item, str) else json.dumps(item)} for item in patterns]}


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def sources(aws_client) -> EventSources:
    return EventSources(aws_client)


@pytest.fixture
def function(client):
    return create_function(client)


@pytest.mark.parametrize(
    "pattern",
    ["null", "simple string", {"eventSource": "aws:sqs"}, {"eventSource": []}, {"body": {"a": [{"NUMERIC": ["=", 5]}]}},
     {"body": {"a": [{"numeric": [">", 0, ">", 0]}]}}, {"body": {"f": [{"wildcard": "a**"}]}}],
    ids=["null", "simple string", "scalar value", "empty array", "operator casing", "numeric range", "consecutive wildcards"],
)
def test_create_refuses_invalid_patterns(client, function, sources, pattern):
    assert error(
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=sources.queue(), FilterCriteria=criteria(pattern)
    ) == INVALID


def test_stream_data_patterns_must_be_objects(client, function, sources):
    # invocation-eventfiltering: a non-JSON filter pattern for data properties fails at creation or update.
    stream = sources.stream()
    assert error(
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=stream, StartingPosition="LATEST",
        FilterCriteria=criteria({"data": ["ERROR"]}),
    ) == INVALID
    created = client.create_event_source_mapping(
        FunctionName=function, EventSourceArn=stream, StartingPosition="LATEST",
        FilterCriteria=criteria({"data": {"level": ["ERROR"]}, "partitionKey": [{"prefix": "p-"}]}),
    )
    assert json.loads(created["FilterCriteria"]["Filters"][0]["Pattern"]) == {"data": {"level": ["ERROR"]}, "partitionKey": [{"prefix": "p-"}]}


def test_update_checks_the_new_criteria_and_keeps_the_old_on_refusal(client, function, sources):
    good = criteria({"body": {"kind": [{"anything-but": {"prefix": "test-"}}]}}, {"body": {"n": [{"numeric": [">=", 1, "<", 5]}]}})
    created = client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue(), FilterCriteria=good)
    assert created["FilterCriteria"] == good
    assert error(client.update_event_source_mapping, UUID=created["UUID"], FilterCriteria=criteria("{not json")) == INVALID
    assert client.get_event_source_mapping(UUID=created["UUID"])["FilterCriteria"] == good
    changed = criteria({"body": [{"prefix": "plain "}]})
    assert client.update_event_source_mapping(UUID=created["UUID"], FilterCriteria=changed)["FilterCriteria"] == changed


def test_five_filters_at_most(client, function, sources):
    five = criteria(*({"body": {"n": [i]}} for i in range(5)))
    assert client.create_event_source_mapping(FunctionName=function, EventSourceArn=sources.queue(), FilterCriteria=five)
    code, message, status = error(
        client.create_event_source_mapping, FunctionName=function, EventSourceArn=sources.queue(),
        FilterCriteria=criteria(*({"body": {"n": [i]}} for i in range(6))),
    )
    assert (code, status) == ("InvalidParameterValueException", 400) and "5" in message
