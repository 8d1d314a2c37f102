"""AddPermission, RemovePermission and GetPolicy through boto3.

Expected documents, codes and messages: LocalStack's AWS-recorded snapshots in
test_lambda_api.snapshot.json, TestLambdaPermissions::test_add_lambda_permission_aws,
::test_add_lambda_permission_fields, ::test_permission_exceptions,
::test_remove_multi_permissions, ::test_create_multiple_lambda_permissions,
::test_lambda_permission_fn_versioning, and TestLambdaRevisions::test_function_revisions_permissions.
"""

from __future__ import annotations

import json

import pytest

from .config_helpers import create_function, error, status

ACCOUNT = "000000000000"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function"
REVISION_MISMATCH = (
    "PreconditionFailedException",
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    412,
)
RESOURCE_NOT_FOUND = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def raw_client(aws_client):
    return aws_client("lambda", parameter_validation=False)


def _policy(client, name: str, **kwargs) -> tuple[dict, str]:
    response = client.get_policy(FunctionName=name, **kwargs)
    return json.loads(response["Policy"]), response["RevisionId"]


def test_add_permission_and_get_policy(client):
    name = create_function(client)
    response = client.add_permission(
        FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
    )
    assert status(response) == 201
    statement = {
        "Sid": "s3",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": f"{ARN}:{name}",
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"}},
    }
    assert json.loads(response["Statement"]) == statement
    policy, revision = _policy(client, name)
    assert policy == {"Version": "2012-10-17", "Id": "default", "Statement": [statement]}
    # The policy's RevisionId is the function's, which the change renewed.
    assert revision == client.get_function_configuration(FunctionName=name)["RevisionId"]

    client.add_permission(FunctionName=name, StatementId="kinesis", Action="lambda:InvokeFunction",
                          Principal="kinesis.amazonaws.com")
    policy, second_revision = _policy(client, name)
    assert [s["Sid"] for s in policy["Statement"]] == ["s3", "kinesis"]
    assert second_revision != revision


def test_statement_fields(client):
    """TestLambdaPermissions::test_add_lambda_permission_fields: principal forms and conditions."""
    name = create_function(client)
    resource = f"{ARN}:{name}"

    def add(**kwargs) -> dict:
        kwargs.setdefault("Action", "lambda:InvokeFunction")
        return json.loads(client.add_permission(FunctionName=name, **kwargs)["Statement"])

    assert add(StatementId="wilcard", Principal="*", SourceAccount=ACCOUNT) == {
        "Sid": "wilcard", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": resource, "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}},
    }
    assert add(StatementId="lambda", Principal="lambda.amazonaws.com", SourceAccount=ACCOUNT)["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    account = add(StatementId="account-id", Principal="111111111111")
    assert account["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert "Condition" not in account
    user_arn = "arn:aws:iam::111111111111:user/someone"
    assert add(StatementId="user-arn", Principal=user_arn, SourceAccount=ACCOUNT)["Principal"] == {"AWS": user_arn}
    optional = add(
        StatementId="urlPermission", Principal="*", Action="lambda:InvokeFunctionUrl", FunctionUrlAuthType="NONE",
        PrincipalOrgID="o-1234567890", SourceAccount=ACCOUNT, SourceArn="arn:aws:s3:::bucket",
    )
    assert optional["Action"] == "lambda:InvokeFunctionUrl"
    assert optional["Condition"] == {
        "StringEquals": {
            "lambda:FunctionUrlAuthType": "NONE",
            "aws:PrincipalOrgID": "o-1234567890",
            "AWS:SourceAccount": ACCOUNT,
        },
        "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"},
    }
    assert list(optional["Condition"]) == ["StringEquals", "ArnLike"]
    alexa = add(StatementId="alexaSkill", Principal="*", EventSourceToken="amzn1.ask.skill.xxxxxxxxx-xxxx")
    assert alexa["Condition"] == {"StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.xxxxxxxxx-xxxx"}}


def test_permission_errors(client, raw_client):
    """TestLambdaPermissions::test_permission_exceptions."""
    name = create_function(client)
    add = client.add_permission
    base = {"FunctionName": name, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    code, message, http_status = error(raw_client.add_permission, StatementId="example.com", **base)
    assert (code, http_status) == ("ValidationException", 400)
    assert "Value 'example.com' at 'statementId' failed to satisfy constraint" in message
    assert error(add, StatementId="s3", **dict(base, FunctionName=f"{name}:alias-1"), Qualifier="alias-2") == (
        "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.", 400,
    )
    assert error(add, StatementId="s3", Qualifier="$LATEST", **base) == (
        "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.", 400,
    )
    assert error(add, StatementId="s3", **dict(base, Principal="invalid.nonaws.com")) == (
        "InvalidParameterValueException", "The provided principal was invalid. Please check the principal and try again.", 400,
    )
    assert error(client.get_policy, FunctionName="doesnotexist") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )
    assert error(client.get_policy, FunctionName=name, Qualifier="42") == RESOURCE_NOT_FOUND
    assert error(client.get_policy, FunctionName=name) == RESOURCE_NOT_FOUND
    assert error(add, StatementId="s3", **dict(base, FunctionName="doesnotexist")) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )
    assert error(client.remove_permission, FunctionName=name, StatementId="s3") == (
        "ResourceNotFoundException", "No policy is associated with the given resource.", 404,
    )
    assert error(add, StatementId="s3", Qualifier="alias-doesnotexist", **base) == (
        "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:{name}:alias-doesnotexist", 404,
    )
    assert error(add, StatementId="s3", Qualifier="42", **base) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:42", 404,
    )
    assert error(add, StatementId="s3", Qualifier="valid-with-$-but-doesnotexist", **base) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:valid-with-$-but-doesnotexist", 404,
    )
    add(StatementId="s3", **base)
    assert error(add, StatementId="s3", **base) == (
        "ResourceConflictException",
        "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.",
        409,
    )
    assert error(client.remove_permission, FunctionName="doesnotexist", StatementId="s3") == (
        "ResourceNotFoundException", f"No policy found for: {ARN}:doesnotexist", 404,
    )
    assert error(client.remove_permission, FunctionName=name, StatementId="s3", Qualifier="alias-doesnotexist") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:{name}:alias-doesnotexist", 404,
    )


def test_remove_permissions(client):
    """TestLambdaPermissions::test_remove_multi_permissions."""
    name = create_function(client)
    client.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    client.add_permission(FunctionName=name, StatementId="sqs", Action="lambda:InvokeFunction",
                          Principal="sqs.amazonaws.com", SourceArn="arn:aws:s3:::bucket")
    _, revision = _policy(client, name)
    assert error(client.remove_permission, FunctionName=name, StatementId="non-existent") == (
        "ResourceNotFoundException", "Statement non-existent is not found in resource policy.", 404,
    )
    assert error(client.remove_permission, FunctionName=name, StatementId="sqs", RevisionId="wrong") == REVISION_MISMATCH
    assert status(client.remove_permission(FunctionName=name, StatementId="sqs", RevisionId=revision)) == 204
    policy, after = _policy(client, name)
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    assert after != revision
    client.remove_permission(FunctionName=name, StatementId="s3")
    assert error(client.get_policy, FunctionName=name) == RESOURCE_NOT_FOUND


def test_policies_per_qualifier(client):
    """TestLambdaPermissions::test_lambda_permission_fn_versioning: a policy belongs to
    one qualifier; versions do not inherit it; each change renews the target's RevisionId."""
    name = create_function(client)
    kwargs = {"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com", "SourceArn": "arn:aws:s3:::bucket"}
    client.add_permission(FunctionName=name, StatementId="s3", **kwargs)
    client.publish_version(FunctionName=name)
    _, latest_revision = _policy(client, name)
    assert latest_revision == client.get_function_configuration(FunctionName=name)["RevisionId"]
    assert error(client.get_policy, FunctionName=name, Qualifier="1") == RESOURCE_NOT_FOUND

    version_revision = client.get_function_configuration(FunctionName=name, Qualifier="1")["RevisionId"]
    assert error(client.add_permission, FunctionName=name, Qualifier="1", StatementId="s3", RevisionId="wrong",
                 **kwargs) == REVISION_MISMATCH
    statement = json.loads(client.add_permission(FunctionName=name, Qualifier="1", StatementId="s3",
                                                 RevisionId=version_revision, **kwargs)["Statement"])
    assert statement["Resource"] == f"{ARN}:{name}:1"
    policy, revision = _policy(client, name, Qualifier="1")
    assert [s["Resource"] for s in policy["Statement"]] == [f"{ARN}:{name}:1"]
    assert revision == client.get_function_configuration(FunctionName=name, Qualifier="1")["RevisionId"] != version_revision

    alias = client.create_alias(FunctionName=name, Name="permission-alias", FunctionVersion="1")
    assert error(client.add_permission, FunctionName=name, Qualifier="permission-alias", StatementId="s3",
                 RevisionId="wrong", **kwargs) == REVISION_MISMATCH
    client.add_permission(FunctionName=f"{name}:permission-alias", StatementId="s3", RevisionId=alias["RevisionId"], **kwargs)
    policy, alias_revision = _policy(client, name, Qualifier="permission-alias")
    assert policy["Statement"][0]["Resource"] == f"{ARN}:{name}:permission-alias"
    assert alias_revision == client.get_alias(FunctionName=name, Name="permission-alias")["RevisionId"]
    assert alias_revision != alias["RevisionId"]

    # The unqualified policy is unchanged by all of this.
    policy, revision = _policy(client, name)
    assert [s["Resource"] for s in policy["Statement"]] == [f"{ARN}:{name}"]
    assert revision == latest_revision
    # Deleting the alias drops its policy with it.
    client.delete_alias(FunctionName=name, Name="permission-alias")
    client.create_alias(FunctionName=name, Name="permission-alias", FunctionVersion="1")
    assert error(client.get_policy, FunctionName=name, Qualifier="permission-alias") == RESOURCE_NOT_FOUND


def test_function_revision_precondition(client):
    """TestLambdaRevisions::test_function_revisions_permissions."""
    name = create_function(client)
    kwargs = {"StatementId": "s3", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    assert error(client.add_permission, FunctionName=name, RevisionId="wrong", **kwargs) == REVISION_MISMATCH
    revision = client.get_function_configuration(FunctionName=name)["RevisionId"]
    client.add_permission(FunctionName=name, RevisionId=revision, **kwargs)
    _, policy_revision = _policy(client, name)
    assert error(client.remove_permission, FunctionName=name, StatementId="s3", RevisionId="wrong") == REVISION_MISMATCH
    assert status(client.remove_permission(FunctionName=name, StatementId="s3", RevisionId=policy_revision)) == 204
