"""PublishVersion, ListVersionsByFunction and the alias operations, through boto3.

Expected shapes, codes and messages: LocalStack's AWS-recorded snapshots in
test_lambda_api.snapshot.json (TestLambdaVersions::test_version_lifecycle,
::test_publish_with_wrong_sha256, ::test_publish_with_update,
TestLambdaRevisions::test_function_revisions_version_and_alias,
TestLambdaAlias::test_alias_lifecycle, ::test_notfound_and_invalid_routingconfigs,
::test_alias_naming), and for UpdateAlias/DeleteAlias on a missing alias the
AWS behaviour recorded in localstack/localstack#11878.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from .config_helpers import create_function, error, status, wait_until

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
REVISION_MISMATCH = (
    "PreconditionFailedException",
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    412,
)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def raw_client(aws_client):
    """Sends what botocore would refuse client-side (values out of the model's range)."""
    return aws_client("lambda", parameter_validation=False)


def _update_description(client, name: str, description: str) -> None:
    client.update_function_configuration(FunctionName=name, Description=description)
    wait_until(lambda: client.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful")


# Versions -------------------------------------------------------------------------------
def test_version_lifecycle(client):
    name = create_function(client, Description="No version :(")
    listed = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST"]
    assert listed[0]["FunctionArn"] == f"{ARN}:{name}:$LATEST"
    # ListVersionsByFunction entries carry no state (as ListFunctions).
    assert "State" not in listed[0] and "LastUpdateStatus" not in listed[0]

    _update_description(client, name, "First version :)")
    latest_before = client.get_function_configuration(FunctionName=name)
    first = client.publish_version(FunctionName=name, Description="First version description :)")
    assert status(first) == 201
    assert first["Version"] == "1"
    assert first["FunctionArn"] == f"{ARN}:{name}:1"
    assert first["Description"] == "First version description :)"
    assert (first["State"], first["LastUpdateStatus"]) == ("Active", "Successful")
    assert first["CodeSha256"] == latest_before["CodeSha256"]
    assert first["RevisionId"] != latest_before["RevisionId"]
    # Publishing gives $LATEST a new RevisionId (TestLambdaRevisions).
    latest_after = client.get_function_configuration(FunctionName=name)
    assert latest_after["RevisionId"] not in (latest_before["RevisionId"], first["RevisionId"])
    assert latest_after["Description"] == "First version :)"

    got = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert got["FunctionArn"] == f"{ARN}:{name}:1"
    assert got["RevisionId"] == first["RevisionId"]

    # Nothing changed since version 1: publishing answers version 1 again.
    again = client.publish_version(FunctionName=name)
    assert status(again) == 201
    assert (again["Version"], again["RevisionId"]) == ("1", first["RevisionId"])

    _update_description(client, name, "Second version :))")
    second = client.publish_version(FunctionName=name)
    assert second["Version"] == "2"
    assert second["Description"] == "Second version :))"  # no Description: $LATEST's
    third = client.publish_version(FunctionName=name)
    assert (third["Version"], third["RevisionId"]) == ("2", second["RevisionId"])

    listed = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in listed] == [f"{ARN}:{name}:$LATEST", f"{ARN}:{name}:1", f"{ARN}:{name}:2"]
    assert [v["Description"] for v in listed] == ["Second version :))", "First version description :)", "Second version :))"]


def test_publish_preconditions(client):
    name = create_function(client)
    sha = client.get_function_configuration(FunctionName=name)["CodeSha256"]
    # TestLambdaVersions::test_publish_with_wrong_sha256
    assert error(client.publish_version, FunctionName=name, CodeSha256="somenonexistentsha256") == (
        "InvalidParameterValueException",
        f"CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST ({sha}). "
        "Please try again with the CodeSHA256 in $LATEST.",
        400,
    )
    # TestLambdaVersions::test_publish_with_wrong_revisionid
    assert error(client.publish_version, FunctionName=name, RevisionId="wrong") == REVISION_MISMATCH
    revision = client.get_function_configuration(FunctionName=name)["RevisionId"]
    published = client.publish_version(FunctionName=name, CodeSha256=sha, RevisionId=revision)
    assert published["Version"] == "1"
    assert error(client.publish_version, FunctionName="doesnotexist") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )


def test_publish_with_update_code(client):
    """UpdateFunctionCode(Publish=True): the new version starts Pending, then Active
    (TestLambdaVersions::test_publish_with_update)."""
    name = create_function(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 2\n")
    updated = client.update_function_code(FunctionName=name, ZipFile=buffer.getvalue(), Publish=True)
    assert updated["Version"] == "1"
    assert updated["FunctionArn"] == f"{ARN}:{name}:1"
    assert updated["State"] == "Pending"
    assert updated["StateReason"] == "The function is being created."
    assert "LastUpdateStatus" not in updated
    client.get_waiter("published_version_active").wait(FunctionName=name, Qualifier="1")
    version = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert (version["State"], version["LastUpdateStatus"]) == ("Active", "Successful")
    assert version["CodeSha256"] == updated["CodeSha256"]


def test_list_versions_pagination(client):
    name = create_function(client)
    for index in range(4):
        _update_description(client, name, f"d{index}")
        client.publish_version(FunctionName=name)
    seen, marker = [], None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = client.list_versions_by_function(FunctionName=name, MaxItems=2, **kwargs)
        assert len(page["Versions"]) <= 2
        seen += [v["Version"] for v in page["Versions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == ["$LATEST", "1", "2", "3", "4"]
    paginator = client.get_paginator("list_versions_by_function")
    all_versions = [v["Version"] for p in paginator.paginate(FunctionName=name, PaginationConfig={"PageSize": 3}) for v in p["Versions"]]
    assert all_versions == seen


# Aliases --------------------------------------------------------------------------------
def _two_versions(client) -> str:
    name = create_function(client, Environment={"Variables": {"testenv": "staging"}})
    client.publish_version(FunctionName=name)
    client.update_function_configuration(FunctionName=name, Environment={"Variables": {"testenv": "prod"}})
    wait_until(lambda: client.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful")
    assert client.publish_version(FunctionName=name)["Version"] == "2"
    return name


def test_alias_lifecycle(client):
    name = _two_versions(client)
    created = client.create_alias(
        FunctionName=name, Name="aliasname1_1", FunctionVersion="1", Description="custom-alias",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.2}},
    )
    assert status(created) == 201
    expected = {
        "AliasArn": f"{ARN}:{name}:aliasname1_1",
        "Name": "aliasname1_1",
        "FunctionVersion": "1",
        "Description": "custom-alias",
        "RevisionId": created["RevisionId"],
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.2}},
    }
    assert {k: v for k, v in created.items() if k != "ResponseMetadata"} == expected
    got = client.get_alias(FunctionName=name, Name="aliasname1_1")
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == expected

    # A qualifier may name the alias: the version's configuration, the alias's ARN.
    by_alias = client.get_function(FunctionName=name, Qualifier="aliasname1_1")["Configuration"]
    assert by_alias["FunctionArn"] == f"{ARN}:{name}:aliasname1_1"
    assert by_alias["Version"] == "1"
    by_arn = client.get_function(FunctionName=f"{ARN}:{name}:aliasname1_1")["Configuration"]
    assert by_arn["Version"] == "1"
    assert error(client.get_function, FunctionName=name, Qualifier="aliasdoesnotexist") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:aliasdoesnotexist", 404,
    )

    client.create_alias(FunctionName=name, Name="aliasname1_2", FunctionVersion="1", Description="custom-alias")
    third = client.create_alias(FunctionName=name, Name="aliasname1_3", FunctionVersion="1")
    assert third["Description"] == "" and "RoutingConfig" not in third
    client.create_alias(FunctionName=name, Name="aliasname2", FunctionVersion="2", Description="custom-alias")
    listed = client.list_aliases(FunctionName=name)["Aliases"]
    assert [a["Name"] for a in listed] == ["aliasname1_1", "aliasname1_2", "aliasname1_3", "aliasname2"]

    updated = client.update_alias(FunctionName=name, Name="aliasname1_1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in updated
    assert updated["RevisionId"] != created["RevisionId"]
    assert updated["Description"] == "custom-alias"
    assert client.get_alias(FunctionName=name, Name="aliasname1_1")["RevisionId"] == updated["RevisionId"]

    by_version = client.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
    assert [a["Name"] for a in by_version] == ["aliasname1_1", "aliasname1_2", "aliasname1_3"]

    assert status(client.delete_alias(FunctionName=name, Name="aliasname1_1")) == 204
    assert [a["Name"] for a in client.list_aliases(FunctionName=name)["Aliases"]] == [
        "aliasname1_2", "aliasname1_3", "aliasname2",
    ]
    assert error(client.get_alias, FunctionName=name, Name="aliasname1_1") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:{name}:aliasname1_1", 404,
    )


def test_alias_routing_validation(client, raw_client):
    """TestLambdaAlias::test_notfound_and_invalid_routingconfigs."""
    name = _two_versions(client)
    create = client.create_alias
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="1",
                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5, "3": 0.2}}) == (
        "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1", 400,
    )
    code, message, http_status = error(raw_client.create_alias, FunctionName=name, Name="custom", FunctionVersion="1",
                                       RoutingConfig={"AdditionalVersionWeights": {"2": 2}})
    assert (code, http_status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member "
        "must have value greater than or equal to 0.0, Member must not be null]"
    )
    code, message, _ = error(raw_client.create_alias, FunctionName=name, Name="custom", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": -1}})
    assert code == "ValidationException" and message.startswith("1 validation error detected: Value '{2=-1.0}'")
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="1",
                 RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}) == (
        "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing configuration.",
        400,
    )
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="10",
                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:10", 404,
    )
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="1",
                 RoutingConfig={"AdditionalVersionWeights": {"10": 0.5}}) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}:10", 404,
    )
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="$LATEST",
                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}) == (
        "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version", 400,
    )
    code, message, _ = error(create, FunctionName=name, Name="custom", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"$LATEST": 0.5}})
    assert code == "ValidationException"
    assert "Map keys must satisfy constraint" in message and "Value '{$LATEST=0.5}'" in message

    latest_alias = create(FunctionName=name, Name="custom-latest", FunctionVersion="$LATEST")
    assert latest_alias["FunctionVersion"] == "$LATEST"
    assert error(create, FunctionName=f"{name}-unknown", Name="custom", FunctionVersion="1") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:{name}-unknown:1", 404,
    )
    empty = create(FunctionName=name, Name="custom-empty-routingconfig", FunctionVersion="1",
                   RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in empty
    created = create(FunctionName=name, Name="custom", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert created["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    assert error(create, FunctionName=name, Name="custom", FunctionVersion="1") == (
        "ResourceConflictException", f"Alias already exists: {ARN}:{name}:custom", 409,
    )
    assert error(client.get_alias, FunctionName=name, Name="non-existent") == (
        "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:{name}:non-existent", 404,
    )
    # A version an alias routes to cannot be deleted.
    code, message, _ = error(client.delete_function, FunctionName=name, Qualifier="2")
    assert code == "ResourceConflictException" and "custom" in message


def test_alias_naming_and_missing(client):
    name = create_function(client)
    client.publish_version(FunctionName=name)
    dated = client.create_alias(FunctionName=name, Name="2024-01-02", FunctionVersion="1")
    assert dated["AliasArn"] == f"{ARN}:{name}:2024-01-02"
    code, message, http_status = error(client.create_alias, FunctionName=name, Name="2024", FunctionVersion="1")
    assert (code, http_status) == ("ValidationException", 400)
    assert "Value '2024' at 'name' failed to satisfy constraint" in message
    # UpdateAlias on a missing alias: 404; DeleteAlias on a missing alias: 204 (localstack#11878).
    assert error(client.update_alias, FunctionName=name, Name="missing", Description="x") == (
        "ResourceNotFoundException", f"Alias not found: {ARN}:{name}:missing", 404,
    )
    assert status(client.delete_alias(FunctionName=name, Name="missing")) == 204
    assert error(client.get_alias, FunctionName="doesnotexist", Name="a") == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )


def test_alias_revision_and_pagination(client):
    """TestLambdaRevisions::test_function_revisions_version_and_alias."""
    name = create_function(client)
    client.publish_version(FunctionName=name)
    latest_revision = client.get_function_configuration(FunctionName=name)["RevisionId"]
    alias = client.create_alias(FunctionName=name, Name="revision_alias", FunctionVersion="1")
    # Creating an alias leaves the function's RevisionId alone.
    assert client.get_function_configuration(FunctionName=name)["RevisionId"] == latest_revision
    assert error(client.update_alias, FunctionName=name, Name="revision_alias", RevisionId="wrong",
                 Description="something changed") == REVISION_MISMATCH
    updated = client.update_alias(FunctionName=name, Name="revision_alias", RevisionId=alias["RevisionId"],
                                  Description="something changed")
    assert updated["Description"] == "something changed"
    assert updated["RevisionId"] != alias["RevisionId"]

    for index in range(4):
        client.create_alias(FunctionName=name, Name=f"a{index}", FunctionVersion="1")
    names, marker = [], None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        page = client.list_aliases(FunctionName=name, MaxItems=2, **kwargs)
        names += [a["Name"] for a in page["Aliases"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert names == ["a0", "a1", "a2", "a3", "revision_alias"]


def test_alias_as_qualifier_elsewhere(client):
    """An alias name resolves wherever AWS takes a qualifier."""
    name = create_function(client)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    config = client.get_function_configuration(FunctionName=name, Qualifier="live")
    assert config["FunctionArn"] == f"{ARN}:{name}:live"
    assert config["Version"] == "1"
    statement = client.add_permission(FunctionName=name, Qualifier="live", StatementId="s",
                                      Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")["Statement"]
    assert f'"Resource":"{ARN}:{name}:live"' in statement
