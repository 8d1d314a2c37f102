"""Reserved and provisioned concurrency, and GetAccountSettings, through boto3.

Expected codes and messages come from LocalStack's snapshots recorded against
AWS (tests/aws/services/lambda_/test_lambda_api.snapshot.json), named per test.
"""

from __future__ import annotations

import random

import pytest

from .config_helpers import create_function, error, publish_version, status, wait_until

NOT_PERMITTED = (
    "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. "
    "Please specify either a function name or an unqualified function ARN."
)


@pytest.fixture
def account() -> str:
    """A fresh account per test (the access key id is the account), so account-wide
    numbers are not disturbed by other tests."""
    return str(random.randint(10**11, 10**12 - 1))


@pytest.fixture
def client(aws_client, account):
    return aws_client("lambda", access_key=account)


# TestLambdaReservedConcurrency::test_function_concurrency
def test_reserved_concurrency_lifecycle(client, account):
    name = create_function(client, account=account)
    assert client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)["ReservedConcurrentExecutions"] == 0
    response = client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert status(response) == 200 and response["ReservedConcurrentExecutions"] == 1
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    assert status(client.delete_function_concurrency(FunctionName=name)) == 204
    after = client.get_function_concurrency(FunctionName=name)
    assert status(after) == 200 and "ReservedConcurrentExecutions" not in after


# TestLambdaReservedConcurrency::test_function_concurrency_exceptions
def test_reserved_concurrency_errors(client, account):
    missing = f"arn:aws:lambda:us-east-1:{account}:function:doesnotexist:$LATEST"
    assert error(client.put_function_concurrency, FunctionName="doesnotexist", ReservedConcurrentExecutions=1) == (
        "ResourceNotFoundException", f"Function not found: {missing}", 404,
    )
    name = create_function(client, account=account)
    qualified = f"arn:aws:lambda:us-east-1:{account}:function:{name}:$LATEST"
    assert error(client.put_function_concurrency, FunctionName=qualified, ReservedConcurrentExecutions=1) == (
        "InvalidParameterValueException", NOT_PERMITTED, 400,
    )


def test_reserved_concurrency_keeps_the_unreserved_floor(client, account):
    # AWS: InvalidParameterValueException "Specified ReservedConcurrentExecutions for function decreases
    # account's UnreservedConcurrentExecution below its minimum value of [100]."
    first, second = create_function(client, account=account), create_function(client, account=account)
    client.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=850)
    assert error(client.put_function_concurrency, FunctionName=second, ReservedConcurrentExecutions=51) == (
        "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
        "below its minimum value of [100].",
        400,
    )
    client.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=50)
    # Changing a reservation counts the function's own previous value as freed.
    client.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=850)


# TestLambdaAccountSettings::test_account_settings (AWS's limits per the Lambda quotas page)
def test_account_settings_counts_functions_code_and_reservations(client, account):
    before = client.get_account_settings()
    assert before["AccountLimit"] == {
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert before["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    name = create_function(client, account=account)
    size = client.get_function_configuration(FunctionName=name)["CodeSize"]
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=10)
    after = client.get_account_settings()
    assert after["AccountLimit"]["UnreservedConcurrentExecutions"] == 990
    assert after["AccountUsage"] == {"TotalCodeSize": size, "FunctionCount": 1}
    publish_version(client, name)  # a published version stores its own copy of the code
    assert client.get_account_settings()["AccountUsage"] == {"TotalCodeSize": 2 * size, "FunctionCount": 1}


# TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions
def test_provisioned_concurrency_errors(client, account):
    name = create_function(client, account=account)
    publish_version(client, name)
    arn = f"arn:aws:lambda:us-east-1:{account}:function"
    no_config = ("ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function", 404)
    alias_or_version = ("InvalidParameterValueException", "The function resource provided must be an alias or a published version.", 400)
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="1") == no_config
    assert error(client.get_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="noalias") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {arn}:doesnotexist:noalias", 404,
    )
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="noalias") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {arn}:{name}:noalias", 404,
    )
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="10") == (
        "ResourceNotFoundException", f"Function not found: {arn}:{name}:10", 404,
    )
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST") == alias_or_version
    assert client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []
    assert error(client.list_provisioned_concurrency_configs, FunctionName="doesnotexist") == (
        "ResourceNotFoundException", f"Function not found: {arn}:doesnotexist", 404,
    )
    assert error(client.delete_provisioned_concurrency_config, FunctionName="doesnotexist", Qualifier="1") == (
        "ResourceNotFoundException", f"Function not found: {arn}:doesnotexist:1", 404,
    )
    assert error(client.delete_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST") == alias_or_version
    assert status(client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")) == 204
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1) == (
        "InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.", 400,
    )
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier="10", ProvisionedConcurrentExecutions=1) == (
        "ResourceNotFoundException", f"Function not found: {arn}:{name}:10", 404,
    )


# TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle
def test_provisioned_concurrency_lifecycle(client, account):
    name = create_function(client, account=account)
    version = publish_version(client, name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)

    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1)
    assert status(put) == 202
    assert {k: put[k] for k in ("AllocatedProvisionedConcurrentExecutions", "AvailableProvisionedConcurrentExecutions",
                                "RequestedProvisionedConcurrentExecutions", "Status")} == {
        "AllocatedProvisionedConcurrentExecutions": 0,
        "AvailableProvisionedConcurrentExecutions": 0,
        "RequestedProvisionedConcurrentExecutions": 1,
        "Status": "IN_PROGRESS",
    }
    assert put["LastModified"].endswith("+0000")
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1) == (
        "ResourceConflictException", "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version", 409,
    )
    ready = wait_until(lambda: (
        lambda c: c if c["Status"] == "READY" else None
    )(client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)))
    assert ready["AllocatedProvisionedConcurrentExecutions"] == ready["AvailableProvisionedConcurrentExecutions"] == 1
    listed = client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"arn:aws:lambda:us-east-1:{account}:function:{name}:{version}"]

    assert status(client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)) == 204
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier=version)[0] == (
        "ProvisionedConcurrencyConfigNotFoundException"
    )
    assert status(client.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1)) == 202
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1) == (
        "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias", 409,
    )
    client.delete_alias(FunctionName=name, Name="live")
    assert error(client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="live") == (
        "ResourceNotFoundException", f"Cannot find alias arn: arn:aws:lambda:us-east-1:{account}:function:{name}:live", 404,
    )
    assert client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []


def test_provisioned_concurrency_within_reserved_concurrency(client, account):
    name = create_function(client, account=account)
    version = publish_version(client, name)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=3) == (
        "InvalidParameterValueException",
        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
        400,
    )
    assert status(client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=2)) == 202


def _client_error(call, **kwargs) -> dict:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response


# test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_provisioned_overlap
def test_reserved_and_provisioned_concurrency_checked_against_each_other(client, account):
    name = create_function(client, account=account)
    v1 = publish_version(client, name)
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=v1, ProvisionedConcurrentExecutions=2)
    lower = _client_error(client.put_function_concurrency, FunctionName=name, ReservedConcurrentExecutions=1)
    assert (lower["Error"]["Code"], lower["Error"]["Message"], lower["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidParameterValueException",
        " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned concurrency [2].",
        400,
    )
    assert "Type" not in lower  # AWS's body has none for this one
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 2

    client.update_function_configuration(FunctionName=name, Timeout=15)
    wait_until(lambda: client.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful")
    v2 = publish_version(client, name)
    greater = ("InvalidParameterValueException",
               "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
               400)
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v2,
                 ProvisionedConcurrentExecutions=1) == greater
    assert error(client.put_provisioned_concurrency_config, FunctionName=name, Qualifier=v1,
                 ProvisionedConcurrentExecutions=3) == greater


# test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency ("exc_no_cap_requestresponse")
def test_reserved_concurrency_zero_throttles_with_aws_error(client, account):
    name = create_function(client, account=account)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    response = _client_error(client.invoke, FunctionName=name, Payload=b"{}")
    assert response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert (response["Reason"], response["Type"], response["message"]) == (
        "ReservedFunctionConcurrentInvocationLimitExceeded", "User", "Rate Exceeded.")
    # AWS sends no Retry-After with a concurrency throttle: botocore would show it as retryAfterSeconds.
    assert "retryAfterSeconds" not in response
    assert "retry-after" not in response["ResponseMetadata"]["HTTPHeaders"]
