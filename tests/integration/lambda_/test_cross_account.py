"""Invoking another account's function through its resource-based policy.

The gateway takes the caller's account from a 12-digit access key, so two
clients with keys ``000000000000`` (the owner) and ``111111111111`` (the
caller) are two accounts.

AWS facts:
- https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html:
  ``add-permission --principal <account>`` lets that account invoke the function
  by its ARN; a permission on an alias requires the caller to use the alias ARN.
- https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html: a permission on
  an alias does not cover the unqualified function nor the version the alias
  points to.
- The refusal, as the AWS CLI prints it for a function in another account (even
  one that does not exist): "AccessDeniedException ... when calling the Invoke
  operation: User: arn:aws:iam::<caller>:... is not authorized to perform:
  lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:
  nonexistent-function because no resource-based policy allows the
  lambda:InvokeFunction action"; the action named is the IAM action
  (Invoke/InvokeWithResponseStream -> lambda:InvokeFunction, GetFunction ->
  lambda:GetFunction; Service Authorization Reference for AWS Lambda).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create_function, invoke_json, unique, wait_active, wait_until

OWNER = "000000000000"
CALLER = "111111111111"
REGION = "us-east-1"


def arn(name: str, qualifier: str = "") -> str:
    base = f"arn:aws:lambda:{REGION}:{OWNER}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def denied_message(action: str, resource: str) -> str:
    return (
        f"User: arn:aws:iam::{CALLER}:root is not authorized to perform: lambda:{action} on resource: "
        f"{resource} because no resource-based policy allows the lambda:{action} action"
    )


@pytest.fixture
def owner(aws_client):
    return aws_client("lambda", access_key=OWNER, read_timeout=60)


@pytest.fixture
def caller(aws_client):
    return aws_client("lambda", access_key=CALLER, read_timeout=60)


@pytest.fixture
def function(owner) -> str:
    return create_function(owner, Timeout=10)


def assert_denied(call: Any, action: str, resource: str) -> None:
    with pytest.raises(ClientError) as error:
        call()
    response = error.value.response
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == denied_message(action, resource)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def allow(owner, name: str, principal: str = CALLER, **kwargs: Any) -> str:
    sid = unique("sid")
    owner.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                         Principal=principal, **kwargs)
    return sid


# Refused ---------------------------------------------------------------------------------
def test_invoke_denied_without_policy(owner, caller, function):
    assert_denied(lambda: caller.invoke(FunctionName=arn(function), Payload=b"{}"), "InvokeFunction", arn(function))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function), InvocationType="Event"),
                  "InvokeFunction", arn(function))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function), InvocationType="DryRun"),
                  "InvokeFunction", arn(function))
    assert_denied(lambda: caller.invoke_with_response_stream(FunctionName=arn(function)),
                  "InvokeFunction", arn(function))
    assert_denied(lambda: caller.invoke_async(FunctionName=arn(function), InvokeArgs=b"{}"),
                  "InvokeAsync", arn(function))
    # The qualifier, given either way, is part of the resource.
    assert_denied(lambda: caller.invoke(FunctionName=arn(function, "$LATEST")),
                  "InvokeFunction", arn(function, "$LATEST"))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function), Qualifier="$LATEST"),
                  "InvokeFunction", arn(function, "$LATEST"))


def test_invoke_of_missing_function_is_denied_not_404(caller):
    name = unique("missing")
    assert_denied(lambda: caller.invoke(FunctionName=arn(name)), "InvokeFunction", arn(name))


def test_other_operations_name_their_iam_action(caller, function):
    """Operations that do not honour resource policies here still refuse with
    the IAM action of the operation."""
    assert_denied(lambda: caller.get_function(FunctionName=arn(function)), "GetFunction", arn(function))
    assert_denied(lambda: caller.get_function_configuration(FunctionName=arn(function)),
                  "GetFunctionConfiguration", arn(function))
    assert_denied(lambda: caller.list_versions_by_function(FunctionName=arn(function)),
                  "ListVersionsByFunction", arn(function))
    assert_denied(lambda: caller.get_policy(FunctionName=arn(function)), "GetPolicy", arn(function))


# Allowed -----------------------------------------------------------------------------------
def test_invoke_allowed_for_the_account_runs_as_the_owner(owner, caller, aws_client, function):
    allow(owner, function)
    marker = unique("cross-account-log")
    response, payload = invoke_json(caller, arn(function), {"action": "print", "lines": [marker]})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert payload == {"printed": 1}

    response, payload = invoke_json(caller, arn(function))
    assert payload["invoked_function_arn"] == arn(function)
    assert payload["function_name"] == function
    assert payload["env"]["AWS_LAMBDA_FUNCTION_NAME"] == function

    # The function's logs are the owner's.
    group = f"/aws/lambda/{function}"
    owner_logs = aws_client("logs", access_key=OWNER)

    def marker_logged():
        try:
            events = owner_logs.filter_log_events(logGroupName=group)["events"]
        except owner_logs.exceptions.ResourceNotFoundException:
            return False
        return any(marker in e["message"] for e in events)

    wait_until(marker_logged, 10, 0.05, message="the caller's invocation logged in the owner's account")
    caller_logs = aws_client("logs", access_key=CALLER)
    assert caller_logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_invoke_family_allowed(owner, caller, function):
    allow(owner, function)
    assert caller.invoke(FunctionName=arn(function), InvocationType="DryRun")["StatusCode"] == 204
    assert caller.invoke(FunctionName=arn(function), InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert caller.invoke_async(FunctionName=arn(function), InvokeArgs=b"{}")["Status"] == 202
    response = caller.invoke_with_response_stream(FunctionName=arn(function), Payload=b'{"value": 1}')
    body = b"".join(e["PayloadChunk"]["Payload"] for e in response["EventStream"] if "PayloadChunk" in e)
    assert json.loads(body)["event"] == {"value": 1}
    # Partial ARNs name the account too.
    _, payload = invoke_json(caller, f"{OWNER}:function:{function}")
    assert payload["invoked_function_arn"] == arn(function)


def test_invoke_allowed_for_everyone(owner, caller, function):
    allow(owner, function, principal="*")
    response, payload = invoke_json(caller, arn(function), {"value": 2})
    assert payload["event"] == {"value": 2}


def test_statement_with_source_conditions_does_not_grant_direct_calls(owner, caller, function):
    allow(owner, function, SourceArn="arn:aws:s3:::some-bucket")
    allow(owner, function, principal="*", SourceAccount=CALLER)
    assert_denied(lambda: caller.invoke(FunctionName=arn(function)), "InvokeFunction", arn(function))


def test_other_accounts_do_not_match(owner, caller, function):
    allow(owner, function, principal="222222222222")
    owner.add_permission(FunctionName=function, StatementId=unique("sid"), Action="lambda:GetFunction",
                         Principal=CALLER)
    assert_denied(lambda: caller.invoke(FunctionName=arn(function)), "InvokeFunction", arn(function))


def test_wildcard_action_grants(owner, caller, function):
    owner.add_permission(FunctionName=function, StatementId=unique("sid"), Action="lambda:*", Principal=CALLER)
    _, payload = invoke_json(caller, arn(function))
    assert payload["invoked_function_arn"] == arn(function)


def test_alias_permission_covers_only_the_alias(owner, caller, function):
    version = owner.publish_version(FunctionName=function)["Version"]
    wait_active(owner, function, version)
    owner.create_alias(FunctionName=function, Name="live", FunctionVersion=version)
    allow(owner, function, Qualifier="live")

    response, payload = invoke_json(caller, arn(function, "live"))
    assert response["ExecutedVersion"] == version
    assert payload["invoked_function_arn"] == arn(function, "live")
    response, _ = invoke_json(caller, arn(function), Qualifier="live")
    assert response["ExecutedVersion"] == version

    assert_denied(lambda: caller.invoke(FunctionName=arn(function)), "InvokeFunction", arn(function))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function, version)),
                  "InvokeFunction", arn(function, version))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function, "other")),
                  "InvokeFunction", arn(function, "other"))


def test_function_permission_does_not_cover_versions(owner, caller, function):
    version = owner.publish_version(FunctionName=function)["Version"]
    wait_active(owner, function, version)
    allow(owner, function)
    invoke_json(caller, arn(function))
    invoke_json(caller, arn(function, "$LATEST"))
    assert_denied(lambda: caller.invoke(FunctionName=arn(function, version)),
                  "InvokeFunction", arn(function, version))
    allow(owner, function, Qualifier=version)
    response, _ = invoke_json(caller, arn(function, version))
    assert response["ExecutedVersion"] == version


def test_remove_permission_revokes(owner, caller, function):
    sid = allow(owner, function)
    invoke_json(caller, arn(function))
    owner.remove_permission(FunctionName=function, StatementId=sid)
    assert_denied(lambda: caller.invoke(FunctionName=arn(function)), "InvokeFunction", arn(function))


def test_deny_statement_wins(owner, caller, function):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "allow", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CALLER}:root"},
             "Action": "lambda:InvokeFunction", "Resource": arn(function)},
            {"Sid": "deny", "Effect": "Deny", "Principal": "*", "Action": "lambda:Invoke*", "Resource": arn(function)},
        ],
    }
    try:
        owner.put_resource_policy(ResourceArn=arn(function), Policy=json.dumps(policy))
    except (AttributeError, ClientError) as error:  # an older botocore, or the operation unserved
        pytest.skip(f"PutResourcePolicy unavailable: {error}")
    assert_denied(lambda: caller.invoke(FunctionName=arn(function)), "InvokeFunction", arn(function))
    policy["Statement"].pop()
    owner.put_resource_policy(ResourceArn=arn(function), Policy=json.dumps(policy))
    invoke_json(caller, arn(function))


def test_same_account_arn_needs_no_policy(owner, function):
    _, payload = invoke_json(owner, arn(function))
    assert payload["invoked_function_arn"] == arn(function)
