"""Recursion config, runtime management config, function scaling config and
the whole-document resource policy operations, through boto3.

The defaults follow AWS's API reference (RecursiveLoop ``Terminate``,
UpdateRuntimeOn ``Auto``; PutResourcePolicy replaces what AddPermission added).
"""

from __future__ import annotations

import json

import pytest

from .config_helpers import create_function, error, publish_version, status

ARN = "arn:aws:lambda:us-east-1:000000000000:function"


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


def test_recursion_config(client):
    name = create_function(client)
    assert client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Terminate"
    put = client.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    assert status(put) == 200 and put["RecursiveLoop"] == "Allow"
    assert client.get_function_recursion_config(FunctionName=f"{ARN}:{name}")["RecursiveLoop"] == "Allow"
    assert error(client.get_function_recursion_config, FunctionName="doesnotexist") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )


def test_runtime_management_config(client):
    name = create_function(client)
    version = publish_version(client, name)
    default = client.get_runtime_management_config(FunctionName=name)
    assert (default["UpdateRuntimeOn"], default["FunctionArn"]) == ("Auto", f"{ARN}:{name}")
    assert "RuntimeVersionArn" not in default
    runtime_version = "arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef"
    put = client.put_runtime_management_config(FunctionName=name, Qualifier=version, UpdateRuntimeOn="Manual", RuntimeVersionArn=runtime_version)
    assert (put["UpdateRuntimeOn"], put["RuntimeVersionArn"], put["FunctionArn"]) == ("Manual", runtime_version, f"{ARN}:{name}:{version}")
    got = client.get_runtime_management_config(FunctionName=name, Qualifier=version)
    assert (got["UpdateRuntimeOn"], got["RuntimeVersionArn"]) == ("Manual", runtime_version)
    assert client.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == "Auto"
    client.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="FunctionUpdate")
    assert client.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == "FunctionUpdate"
    assert error(client.put_runtime_management_config, FunctionName=name, UpdateRuntimeOn="Manual")[0] == "InvalidParameterValueException"
    assert error(client.get_runtime_management_config, FunctionName=name, Qualifier="9") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:9", 404,
    )


def test_function_scaling_config(client):
    name = create_function(client)
    version = publish_version(client, name)
    assert client.get_function_scaling_config(FunctionName=name, Qualifier=version)["FunctionArn"] == f"{ARN}:{name}:{version}"
    config = {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 4}
    put = client.put_function_scaling_config(FunctionName=name, Qualifier=version, FunctionScalingConfig=config)
    assert status(put) == 202 and put["FunctionState"] == "Active"
    got = client.get_function_scaling_config(FunctionName=name, Qualifier=version)
    assert got["RequestedFunctionScalingConfig"] == got["AppliedFunctionScalingConfig"] == config


def test_resource_policy_document(client):
    name = create_function(client)
    arn = f"{ARN}:{name}"
    not_found = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
    assert error(client.get_resource_policy, ResourceArn=arn) == not_found
    client.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    policy = json.loads(client.get_resource_policy(ResourceArn=arn)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]

    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                       "Action": "lambda:InvokeFunction", "Resource": arn}],
    }
    put = client.put_resource_policy(ResourceArn=arn, Policy=json.dumps(document))
    assert json.loads(put["Policy"]) == document
    # It replaced the AddPermission statements, and GetPolicy shows the same document.
    assert json.loads(client.get_policy(FunctionName=name)["Policy"]) == document
    assert client.get_resource_policy(ResourceArn=arn)["RevisionId"] == put["RevisionId"]
    assert error(client.delete_resource_policy, ResourceArn=arn, RevisionId="00000000-0000-0000-0000-000000000000")[:1] == (
        "PreconditionFailedException",
    )
    assert status(client.delete_resource_policy(ResourceArn=arn, RevisionId=put["RevisionId"])) == 204
    assert error(client.get_resource_policy, ResourceArn=arn) == not_found
