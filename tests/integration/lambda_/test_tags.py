"""TagResource/UntagResource/ListTags on functions, event source mappings and
code signing configs, through boto3.

Expected codes and messages: LocalStack's AWS-recorded snapshots,
test_lambda_api.snapshot.json, TestLambdaTag::test_tag_lifecycle,
::test_tag_nonexisting_resource, TestLambdaTags::test_tag_exceptions,
::test_tag_limits, ::test_tag_versions, ::test_tag_lifecycle.
"""

from __future__ import annotations

import pytest

from .config_helpers import EventSources, create_function, error, publish_version, status, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
QUALIFIED = ("InvalidParameterValueException", "Tags on function aliases and versions are not supported. Please specify a function ARN.", 400)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


def test_function_tag_lifecycle(client):
    name = create_function(client, Tags={"key_a": "value_a"})
    arn = f"{ARN}:{name}"
    assert client.list_tags(Resource=arn)["Tags"] == {"key_a": "value_a"}
    revision = client.get_function_configuration(FunctionName=name)["RevisionId"]
    assert status(client.tag_resource(Resource=arn, Tags={"key_b": "value_b", "key_c": "value_c"})) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"key_a": "value_a", "key_b": "value_b", "key_c": "value_c"}
    # Tagging is a change of the function: a new RevisionId.
    assert client.get_function_configuration(FunctionName=name)["RevisionId"] != revision
    client.tag_resource(Resource=arn, Tags={"key_c": "value_x"})
    assert client.list_tags(Resource=arn)["Tags"]["key_c"] == "value_x"
    assert status(client.untag_resource(Resource=arn, TagKeys=["key_c", "nonexisting"])) == 204
    assert client.list_tags(Resource=arn)["Tags"] == {"key_a": "value_a", "key_b": "value_b"}
    client.untag_resource(Resource=arn, TagKeys=["key_a", "key_b"])
    assert client.list_tags(Resource=arn)["Tags"] == {}
    client.delete_function(FunctionName=name)
    not_found = ("ResourceNotFoundException", f"Function not found: {arn}", 404)
    assert error(client.list_tags, Resource=arn) == not_found
    assert error(client.tag_resource, Resource=arn, Tags={"a": "b"}) == not_found
    assert error(client.untag_resource, Resource=arn, TagKeys=["a"]) == not_found


def test_function_tag_errors(client):
    name = create_function(client)
    publish_version(client, name)
    assert error(client.tag_resource, Resource=f"{ARN}:doesnotexist", Tags={"a": "b"}) == (
        "ResourceNotFoundException", f"Function not found: {ARN}:doesnotexist", 404,
    )
    assert error(client.tag_resource, Resource=f"{ARN}:{name}:1", Tags={"a": "b"}) == QUALIFIED
    assert error(client.tag_resource, Resource=f"{ARN}:{name}:$LATEST", Tags={"a": "b"}) == QUALIFIED
    assert error(client.tag_resource, Resource=f"{ARN}:{name}", Tags={}) == (
        "InvalidParameterValueException", "An error occurred and the request cannot be processed.", 400,
    )
    code, message, http_status = error(client.tag_resource, Resource="arn:aws:something", Tags={"a": "b"})
    assert (code, http_status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint")


def test_function_tag_limit(client):
    name = create_function(client)
    arn = f"{ARN}:{name}"
    too_many = ("InvalidParameterValueException", "Number of tags exceeds resource tag limit.", 400)
    assert error(client.tag_resource, Resource=arn, Tags={f"{i}_key": f"{i}_value" for i in range(51)}) == too_many
    client.tag_resource(Resource=arn, Tags={f"{i}_key": f"{i}_value" for i in range(50)})
    assert len(client.list_tags(Resource=arn)["Tags"]) == 50
    assert len(client.get_function(FunctionName=name)["Tags"]) == 50
    assert error(client.tag_resource, Resource=arn, Tags={"one_more": "x"}) == too_many


def test_create_function_tag_limit(client):
    # The same limit holds for CreateFunction's Tags (and CreateEventSourceMapping's /
    # CreateCodeSigningConfig's: see their test files); nothing is created.
    too_many = ("InvalidParameterValueException", "Number of tags exceeds resource tag limit.", 400)
    name = unique("fn")
    assert error(create_function, client=client, name=name, Tags={f"{i}_key": f"{i}_value" for i in range(51)}) == too_many
    assert error(client.get_function, FunctionName=name)[0] == "ResourceNotFoundException"
    create_function(client, name=name, Tags={f"{i}_key": f"{i}_value" for i in range(50)})
    assert len(client.list_tags(Resource=f"{ARN}:{name}")["Tags"]) == 50


def test_event_source_mapping_tags(client, aws_client):
    name = create_function(client)
    mapping = client.create_event_source_mapping(
        FunctionName=name, EventSourceArn=EventSources(aws_client).queue(), Tags={"team": "a"}  # AWS checks the queue exists
    )
    arn = mapping["EventSourceMappingArn"]
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    client.tag_resource(Resource=arn, Tags={"stage": "dev"})
    client.untag_resource(Resource=arn, TagKeys=["team"])
    assert client.list_tags(Resource=arn)["Tags"] == {"stage": "dev"}
    missing = arn[:-12] + "000000000000"
    assert error(client.list_tags, Resource=missing) == ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def test_code_signing_config_tags(client):
    config = client.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:000000000000:/signing-profiles/test"]},
        Tags={"owner": "me"},
    )["CodeSigningConfig"]
    arn = config["CodeSigningConfigArn"]
    assert client.list_tags(Resource=arn)["Tags"] == {"owner": "me"}
    client.tag_resource(Resource=arn, Tags={"x": "y"})
    assert client.list_tags(Resource=arn)["Tags"] == {"owner": "me", "x": "y"}
    missing = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0000000000000000a"
    assert error(client.list_tags, Resource=missing) == (
        "ResourceNotFoundException", f"The Lambda code signing configuration {missing} can not be found.", 404,
    )
