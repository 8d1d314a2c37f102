"""Create/Get/Update/Delete/ListFunctionUrlConfigs through boto3.

Expected codes and messages: LocalStack's AWS-recorded snapshots,
test_lambda_api.snapshot.json, TestLambdaUrl::test_url_config_lifecycle,
::test_url_config_exceptions and ::test_url_config_list_paging.
"""

from __future__ import annotations

import re

import pytest

from .config_helpers import create_function, error, publish_version, status

ARN = "arn:aws:lambda:us-east-1:000000000000:function"
NO_RESOURCE = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
NO_FUNCTION = ("ResourceNotFoundException", "Function does not exist", 404)
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def function(client):
    name = create_function(client)
    version = publish_version(client, name)
    client.create_alias(FunctionName=name, Name="urlalias", FunctionVersion=version)
    return name


def test_url_config_lifecycle(client, function, gateway_url):
    port = gateway_url.rsplit(":", 1)[1]
    created = client.create_function_url_config(FunctionName=function, AuthType="NONE")
    assert status(created) == 201
    assert re.fullmatch(rf"http://[a-z0-9]{{32}}\.lambda-url\.us-east-1\.localhost\.localstack\.cloud:{port}/", created["FunctionUrl"])
    assert created["FunctionArn"] == f"{ARN}:{function}"
    assert created["AuthType"] == "NONE" and TIME.match(created["CreationTime"])
    assert "InvokeMode" not in created and "LastModifiedTime" not in created

    assert error(client.create_function_url_config, FunctionName=function, AuthType="NONE") == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {ARN}:{function}]. Error message:  "
        "FunctionUrlConfig exists for this Lambda function",
        409,
    )
    got = client.get_function_url_config(FunctionName=function)
    assert got["InvokeMode"] == "BUFFERED" and got["FunctionUrl"] == created["FunctionUrl"]
    assert got["LastModifiedTime"] == got["CreationTime"] == created["CreationTime"]

    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "MaxAge": 60}
    updated = client.update_function_url_config(FunctionName=function, AuthType="AWS_IAM", Cors=cors)
    assert status(updated) == 200
    assert updated["AuthType"] == "AWS_IAM" and updated["Cors"] == cors
    assert updated["CreationTime"] == created["CreationTime"] and TIME.match(updated["LastModifiedTime"])
    assert client.get_function_url_config(FunctionName=function)["AuthType"] == "AWS_IAM"

    assert status(client.delete_function_url_config(FunctionName=function)) == 204
    assert error(client.get_function_url_config, FunctionName=function) == NO_RESOURCE


def test_url_config_on_alias_and_listing(client, function):
    assert error(client.list_function_url_configs, FunctionName="doesnotexist") == NO_FUNCTION
    assert client.list_function_url_configs(FunctionName=function)["FunctionUrlConfigs"] == []
    on_function = client.create_function_url_config(FunctionName=function, AuthType="NONE")
    on_alias = client.create_function_url_config(FunctionName=function, Qualifier="urlalias", AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    assert on_alias["FunctionArn"] == f"{ARN}:{function}:urlalias" and on_alias["InvokeMode"] == "RESPONSE_STREAM"
    assert on_alias["FunctionUrl"] != on_function["FunctionUrl"]
    listed = client.list_function_url_configs(FunctionName=function)["FunctionUrlConfigs"]
    assert [(c["FunctionArn"], c["InvokeMode"]) for c in listed] == [
        (f"{ARN}:{function}", "BUFFERED"),
        (f"{ARN}:{function}:urlalias", "RESPONSE_STREAM"),
    ]
    page = client.list_function_url_configs(FunctionName=function, MaxItems=1)
    assert len(page["FunctionUrlConfigs"]) == 1
    rest = client.list_function_url_configs(FunctionName=function, Marker=page["NextMarker"])
    assert [c["FunctionArn"] for c in rest["FunctionUrlConfigs"]] == [f"{ARN}:{function}:urlalias"]
    # The alias's URL goes with the alias.
    client.delete_alias(FunctionName=function, Name="urlalias")
    assert [c["FunctionArn"] for c in client.list_function_url_configs(FunctionName=function)["FunctionUrlConfigs"]] == [f"{ARN}:{function}"]


def test_url_config_errors(client, function):
    for call in (client.create_function_url_config, client.update_function_url_config):
        assert error(call, FunctionName="doesnotexist", AuthType="NONE") == NO_FUNCTION
        assert error(call, FunctionName=f"{ARN}:doesnotexist", AuthType="NONE") == NO_FUNCTION
        assert error(call, FunctionName=function, Qualifier="doesnotexist", AuthType="NONE") == NO_FUNCTION
        assert error(call, FunctionName=f"{function}:urlalias", Qualifier="other", AuthType="NONE") == (
            "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.", 400,
        )
    for call in (client.get_function_url_config, client.delete_function_url_config):
        assert error(call, FunctionName="doesnotexist") == NO_RESOURCE
        assert error(call, FunctionName=f"{ARN}:doesnotexist") == NO_RESOURCE
        assert error(call, FunctionName=function, Qualifier="doesnotexist") == NO_RESOURCE
        assert error(call, FunctionName=function) == NO_RESOURCE  # no config yet
    assert error(client.update_function_url_config, FunctionName=function, AuthType="NONE") == NO_RESOURCE
    # A version or $LATEST is not a URL qualifier (a model constraint).
    for qualifier in ("1", "$LATEST"):
        code, message, http_status = error(client.create_function_url_config, FunctionName=function, Qualifier=qualifier, AuthType="NONE")
        assert (code, http_status) == ("ValidationException", 400)
        assert message.startswith(f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: ")


def test_each_url_gets_its_own_id(client, function):
    other = create_function(client)
    first = client.create_function_url_config(FunctionName=function, AuthType="NONE")["FunctionUrl"]
    second = client.create_function_url_config(FunctionName=other, AuthType="NONE")["FunctionUrl"]
    assert first.split(".")[0] != second.split(".")[0]


def test_url_id_lookup_for_the_function_url_router(tmp_path):
    """``provider.find_function_url(url_id)`` (in process) resolves an id to the
    function and alias it serves, and forgets it once the config is gone."""
    from gateway.app import Gateway
    from gateway.config import Config
    from gateway.context import RequestContext
    from gateway.http import HttpRequest

    from providers.lambda_.api.urls import FunctionUrlTarget

    from .config_helpers import handler_zip

    gateway = Gateway(Config.from_env({"GATEWAY_LISTEN": "127.0.0.1:4566", "LAMBDA_SYNCHRONOUS_CREATE": "1", "DATA_DIR": str(tmp_path)}))
    try:
        provider = gateway.providers.get("lambda")
        context = RequestContext(
            request=HttpRequest("POST", "/", server_port=4599), gateway=gateway, request_id="r", region="eu-west-1", account_id="111122223333"
        )
        provider.create_function(context, {
            "FunctionName": "router-fn", "Runtime": "python3.12", "Role": "arn:aws:iam::111122223333:role/r",
            "Handler": "index.handler", "Code": {"ZipFile": handler_zip()},
        })
        version = provider.publish_version(context, {"FunctionName": "router-fn"})["Version"]
        provider.create_alias(context, {"FunctionName": "router-fn", "Name": "live", "FunctionVersion": version})
        plain = provider.create_function_url_config(context, {"FunctionName": "router-fn", "AuthType": "NONE"})
        aliased = provider.create_function_url_config(context, {"FunctionName": "router-fn", "Qualifier": "live", "AuthType": "NONE"})
        assert plain["FunctionUrl"].endswith(".lambda-url.eu-west-1.localhost.localstack.cloud:4599/")
        plain_id = plain["FunctionUrl"][len("http://"):].split(".")[0]
        alias_id = aliased["FunctionUrl"][len("http://"):].split(".")[0]
        assert provider.find_function_url(plain_id) == FunctionUrlTarget("111122223333", "eu-west-1", "router-fn", None)
        assert provider.find_function_url(alias_id) == FunctionUrlTarget("111122223333", "eu-west-1", "router-fn", "live")
        assert provider.find_function_url("0" * 32) is None
        provider.delete_alias(context, {"FunctionName": "router-fn", "Name": "live"})
        assert provider.find_function_url(alias_id) is None
        provider.delete_function(context, {"FunctionName": "router-fn"})
        assert provider.find_function_url(plain_id) is None
    finally:
        gateway.stop()
