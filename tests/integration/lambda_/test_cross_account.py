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
- https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
  ("Cross-account APIs"): a resource-based policy can grant another account
  Invoke, GetFunction, GetFunctionConfiguration, UpdateFunctionCode,
  DeleteFunction, PublishVersion, ListVersionsByFunction, CreateAlias, GetAlias,
  ListAliases, UpdateAlias, DeleteAlias, GetPolicy, PutFunctionConcurrency,
  DeleteFunctionConcurrency, ListTags, TagResource, UntagResource ("Add each
  permission separately, or use lambda:* to grant access to all actions for the
  specified function"); layer versions are shared with AddLayerVersionPermission.
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

from .conftest import create_function, invoke_json, make_zip, unique, wait_active, wait_until, wait_updated

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
    """Without a grant every operation refuses with the IAM action of the operation."""
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


# Management operations through the resource-based policy ---------------------------------------
def grant(owner, name: str, action: str, **kwargs: Any) -> None:
    owner.add_permission(FunctionName=name, StatementId=unique("sid"), Action=action, Principal=CALLER, **kwargs)


def test_every_cross_account_api_with_lambda_star(owner, caller, function):
    grant(owner, function, "lambda:*")
    fn = arn(function)
    assert caller.get_function(FunctionName=fn)["Configuration"]["FunctionArn"] == fn
    assert caller.get_function_configuration(FunctionName=fn)["FunctionName"] == function
    assert json.loads(caller.get_policy(FunctionName=fn)["Policy"])["Statement"][0]["Action"] == "lambda:*"

    version = caller.publish_version(FunctionName=fn)["Version"]
    wait_active(owner, function, version)
    listed = caller.list_versions_by_function(FunctionName=fn)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", version]

    alias = caller.create_alias(FunctionName=fn, Name="live", FunctionVersion=version)
    assert alias["AliasArn"] == arn(function, "live")
    assert caller.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == version
    caller.update_alias(FunctionName=fn, Name="live", Description="shared")
    assert owner.get_alias(FunctionName=function, Name="live")["Description"] == "shared"
    assert [a["Name"] for a in caller.list_aliases(FunctionName=fn)["Aliases"]] == ["live"]
    caller.delete_alias(FunctionName=fn, Name="live")
    assert owner.list_aliases(FunctionName=function)["Aliases"] == []

    assert caller.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=3) == {
        "ReservedConcurrentExecutions": 3, "ResponseMetadata": ANY_METADATA}
    assert owner.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 3
    caller.delete_function_concurrency(FunctionName=fn)
    assert "ReservedConcurrentExecutions" not in owner.get_function_concurrency(FunctionName=function)

    caller.tag_resource(Resource=fn, Tags={"team": "caller"})
    assert caller.list_tags(Resource=fn)["Tags"] == {"team": "caller"}
    assert owner.list_tags(Resource=fn)["Tags"] == {"team": "caller"}
    caller.untag_resource(Resource=fn, TagKeys=["team"])
    assert owner.list_tags(Resource=fn)["Tags"] == {}

    code = make_zip({"index.py": "def handler(event, context):\n    return 'updated by the caller'\n"})
    updated = caller.update_function_code(FunctionName=fn, ZipFile=code)
    assert updated["FunctionArn"] == fn
    wait_updated(owner, function)
    assert json.loads(owner.invoke(FunctionName=function)["Payload"].read()) == "updated by the caller"

    # A version is its own resource: the function's grant does not cover it.
    assert_denied(lambda: caller.delete_function(FunctionName=fn, Qualifier=version),
                  "DeleteFunction", arn(function, version))
    grant(owner, function, "lambda:DeleteFunction", Qualifier=version)
    caller.delete_function(FunctionName=fn, Qualifier=version)
    assert [v["Version"] for v in owner.list_versions_by_function(FunctionName=function)["Versions"]] == ["$LATEST"]
    caller.delete_function(FunctionName=fn)
    with pytest.raises(owner.exceptions.ResourceNotFoundException):
        owner.get_function(FunctionName=function)
    # The caller's own account never held the function.
    with pytest.raises(caller.exceptions.ResourceNotFoundException):
        caller.get_function(FunctionName=function)


class _AnyMetadata:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, dict)


ANY_METADATA = _AnyMetadata()


def test_a_grant_covers_its_action_only(owner, caller, function):
    grant(owner, function, "lambda:GetFunction")
    fn = arn(function)
    assert caller.get_function(FunctionName=fn)["Configuration"]["FunctionName"] == function
    assert_denied(lambda: caller.get_function_configuration(FunctionName=fn), "GetFunctionConfiguration", fn)
    assert_denied(lambda: caller.list_tags(Resource=fn), "ListTags", fn)
    assert_denied(lambda: caller.delete_function(FunctionName=fn), "DeleteFunction", fn)
    grant(owner, function, "lambda:ListTags")
    assert caller.list_tags(Resource=fn)["Tags"] == {}


def test_operations_outside_the_list_stay_denied(owner, caller, function):
    """With ``lambda:*`` granted, the operations AWS does not open to resource
    policies still refuse another account."""
    grant(owner, function, "lambda:*")
    fn = arn(function)
    assert_denied(lambda: caller.update_function_configuration(FunctionName=fn, Timeout=5),
                  "UpdateFunctionConfiguration", fn)
    assert_denied(lambda: caller.get_function_concurrency(FunctionName=fn), "GetFunctionConcurrency", fn)
    assert_denied(lambda: caller.add_permission(FunctionName=fn, StatementId="s", Action="lambda:*",
                                                Principal=CALLER), "AddPermission", fn)
    assert_denied(lambda: caller.list_function_event_invoke_configs(FunctionName=fn),
                  "ListFunctionEventInvokeConfigs", fn)


def test_qualified_grants_cover_their_qualifier(owner, caller, function):
    version = owner.publish_version(FunctionName=function)["Version"]
    wait_active(owner, function, version)
    grant(owner, function, "lambda:GetFunctionConfiguration", Qualifier=version)
    assert caller.get_function_configuration(FunctionName=arn(function, version))["Version"] == version
    assert caller.get_function_configuration(FunctionName=arn(function), Qualifier=version)["Version"] == version
    assert_denied(lambda: caller.get_function_configuration(FunctionName=arn(function)),
                  "GetFunctionConfiguration", arn(function))


def test_missing_function_of_another_account_is_denied(owner, caller):
    grant_target = unique("missing")
    assert_denied(lambda: caller.get_function(FunctionName=arn(grant_target)), "GetFunction", arn(grant_target))


def test_another_region_is_not_reachable_before_the_policy(owner, caller, function):
    """TestLambdaFunction::test_get_function_wrong_region (test_lambda_api.snapshot.json):
    an ARN of another region is 404 "Functions from '<region>' are not reachable
    in this region ('<region>')", before any account check."""
    grant(owner, function, "lambda:*")
    other = f"arn:aws:lambda:eu-central-1:{OWNER}:function:{function}"
    with pytest.raises(ClientError) as error:
        caller.get_function(FunctionName=other)
    assert error.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
    }
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# Layers ---------------------------------------------------------------------------------------
def test_layer_version_shared_by_permission(aws_client):
    owner_client = aws_client("lambda", access_key=OWNER)
    caller_client = aws_client("lambda", access_key=CALLER)
    name = unique("layer")
    owner_client.publish_layer_version(LayerName=name, Content={"ZipFile": make_zip({"python/m.py": "X = 1\n"})})
    version_arn = f"arn:aws:lambda:{REGION}:{OWNER}:layer:{name}:1"
    layer_arn = f"arn:aws:lambda:{REGION}:{OWNER}:layer:{name}"
    for call in (lambda: caller_client.get_layer_version(LayerName=layer_arn, VersionNumber=1),
                 lambda: caller_client.get_layer_version_by_arn(Arn=version_arn)):
        assert_denied(call, "GetLayerVersion", version_arn)
    owner_client.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="share",
                                              Action="lambda:GetLayerVersion", Principal=CALLER)
    assert caller_client.get_layer_version(LayerName=layer_arn, VersionNumber=1)["LayerVersionArn"] == version_arn
    assert caller_client.get_layer_version_by_arn(Arn=version_arn)["Version"] == 1
