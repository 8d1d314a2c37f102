"""Put/Get/Update/Delete/ListFunctionEventInvokeConfigs through boto3.

Expected codes and messages: LocalStack's AWS-recorded snapshots,
test_lambda_api.snapshot.json, TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions
and ::test_lambda_eventinvokeconfig_lifecycle.
"""

from __future__ import annotations

import datetime

import pytest

from .config_helpers import create_function, error, publish_version, status

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
NO_FUNCTION = ("ResourceNotFoundException", "The function doesn't exist.", 404)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def function(client):
    name = create_function(client)
    version = publish_version(client, name)
    client.create_alias(FunctionName=name, Name="eventinvokealias", FunctionVersion=version)
    return name


def no_config(name: str, qualifier: str) -> tuple[str, str, int]:
    return ("ResourceNotFoundException", f"The function {ARN}:{name}:{qualifier} doesn't have an EventInvokeConfig", 404)


def test_put_errors(client, function):
    assert error(client.put_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=1) == NO_FUNCTION
    assert error(client.put_function_event_invoke_config, FunctionName=f"{ARN}:doesnotexist", MaximumRetryAttempts=1) == NO_FUNCTION
    assert error(client.put_function_event_invoke_config, FunctionName=function, Qualifier="doesnotexist", MaximumRetryAttempts=1) == NO_FUNCTION
    assert error(client.put_function_event_invoke_config, FunctionName=function) == (
        "InvalidParameterValueException", "You must specify at least one of error handling or destination setting.", 400,
    )
    assert error(
        client.put_function_event_invoke_config, FunctionName=function,
        DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:doesnotexist"}},
    ) == ("InvalidParameterValueException", f"The destination ARN {ARN}:doesnotexist is invalid.", 400)
    assert error(
        client.put_function_event_invoke_config, FunctionName=function,
        DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:{function}"}},
    ) == ("InvalidParameterValueException", "You can't specify the function as a destination for itself.", 400)
    iam_arn = f"arn:aws:iam:us-east-1:000000000000:function:{function}"
    assert error(
        client.put_function_event_invoke_config, FunctionName=function,
        DestinationConfig={"OnSuccess": {"Destination": iam_arn}},
    ) == (
        "InvalidParameterValueException",
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam_arn}), onFailure=null) is invalid.",
        400,
    )
    # Qualifier given twice, differently (put_alias_qualifiedarn_qualifierconflict)
    assert error(
        client.put_function_event_invoke_config, FunctionName=f"{function}:eventinvokealias", Qualifier="$LATEST",
        MaximumRetryAttempts=1,
    ) == ("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.", 400)


def test_destinations(client, function):
    other = create_function(client)
    response = client.put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:{other}"}}
    )
    assert status(response) == 200
    assert response["DestinationConfig"] == {"OnFailure": {}, "OnSuccess": {"Destination": f"{ARN}:{other}"}}
    assert response["FunctionArn"] == f"{ARN}:{function}:$LATEST"
    assert isinstance(response["LastModified"], datetime.datetime)
    assert "MaximumRetryAttempts" not in response and "MaximumEventAgeInSeconds" not in response
    # A destination entry without an ARN is accepted and shown empty.
    for kind in ("OnSuccess", "OnFailure"):
        empty = client.put_function_event_invoke_config(FunctionName=function, DestinationConfig={kind: {}})
        assert empty["DestinationConfig"] == {"OnFailure": {}, "OnSuccess": {}}
    # SQS, SNS and EventBridge destinations are not looked up when the config is saved; S3 only on failure.
    queue = "arn:aws:sqs:us-east-1:000000000000:some-queue"
    bus = "arn:aws:events:us-east-1:000000000000:event-bus/default"
    both = client.put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnSuccess": {"Destination": queue}, "OnFailure": {"Destination": bus}}
    )
    assert both["DestinationConfig"] == {"OnSuccess": {"Destination": queue}, "OnFailure": {"Destination": bus}}
    bucket = "arn:aws:s3:::some-bucket"
    assert client.put_function_event_invoke_config(FunctionName=function, DestinationConfig={"OnFailure": {"Destination": bucket}})
    assert error(client.put_function_event_invoke_config, FunctionName=function, DestinationConfig={"OnSuccess": {"Destination": bucket}})[0] == (
        "InvalidParameterValueException"
    )


def test_qualifiers_and_lifecycle(client, function):
    # FunctionName as name, ARN or shorthand, with or without Qualifier: the config lands on the qualifier.
    for kwargs in (
        {"FunctionName": function, "Qualifier": "eventinvokealias"},
        {"FunctionName": f"{ARN}:{function}:eventinvokealias"},
        {"FunctionName": f"{function}:eventinvokealias", "Qualifier": "eventinvokealias"},
    ):
        put = client.put_function_event_invoke_config(MaximumRetryAttempts=1, **kwargs)
        assert put["FunctionArn"] == f"{ARN}:{function}:eventinvokealias"
        assert put["MaximumRetryAttempts"] == 1
    assert client.put_function_event_invoke_config(FunctionName=f"{function}:1", MaximumRetryAttempts=1)["FunctionArn"] == f"{ARN}:{function}:1"
    assert client.put_function_event_invoke_config(FunctionName=f"{function}:$LATEST", Qualifier="$LATEST", MaximumRetryAttempts=1)["FunctionArn"] == (
        f"{ARN}:{function}:$LATEST"
    )

    # Put replaces (put_pre_overwrite / put_post_overwrite)
    client.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    replaced = client.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0)
    assert replaced["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in replaced
    assert client.get_function_event_invoke_config(FunctionName=function)["MaximumRetryAttempts"] == 0

    # Update merges (pre_update_response / update_response)
    client.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    updated = client.update_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 60)

    listed = client.list_function_event_invoke_configs(FunctionName=function)["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}:{function}:$LATEST", f"{ARN}:{function}:1", f"{ARN}:{function}:eventinvokealias"]
    page = client.list_function_event_invoke_configs(FunctionName=function, MaxItems=2)
    rest = client.list_function_event_invoke_configs(FunctionName=function, Marker=page["NextMarker"])
    assert [c["FunctionArn"] for c in page["FunctionEventInvokeConfigs"] + rest["FunctionEventInvokeConfigs"]] == [c["FunctionArn"] for c in listed]
    assert "NextMarker" not in rest

    for qualifier in ("$LATEST", "1", "eventinvokealias"):
        assert status(client.delete_function_event_invoke_config(FunctionName=function, Qualifier=qualifier)) == 204
    assert client.list_function_event_invoke_configs(FunctionName=function)["FunctionEventInvokeConfigs"] == []


def test_missing_config_errors(client, function):
    assert error(client.delete_function_event_invoke_config, FunctionName=function) == no_config(function, "$LATEST")
    assert error(client.delete_function_event_invoke_config, FunctionName="doesnotexist") == no_config("doesnotexist", "$LATEST")
    assert error(client.list_function_event_invoke_configs, FunctionName="doesnotexist") == NO_FUNCTION
    assert error(client.get_function_event_invoke_config, FunctionName="doesnotexist") == no_config("doesnotexist", "$LATEST")
    assert error(client.get_function_event_invoke_config, FunctionName=function, Qualifier="doesnotexist") == no_config(function, "doesnotexist")
    assert error(client.get_function_event_invoke_config, FunctionName=function, Qualifier="eventinvokealias") == no_config(function, "eventinvokealias")
    assert error(client.update_function_event_invoke_config, FunctionName="doesnotexist", MaximumRetryAttempts=1) == NO_FUNCTION
    assert error(client.update_function_event_invoke_config, FunctionName=function, Qualifier="eventinvokealias", MaximumRetryAttempts=1) == (
        no_config(function, "eventinvokealias")
    )
    assert error(client.update_function_event_invoke_config, FunctionName=function, MaximumRetryAttempts=1) == no_config(function, "$LATEST")


def test_model_ranges_are_validated(client, function):
    # put_maxevent_maxvalue_result: the upper bounds are accepted
    response = client.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=21600)
    assert (response["MaximumRetryAttempts"], response["MaximumEventAgeInSeconds"]) == (2, 21600)
