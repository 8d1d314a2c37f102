"""Functions through boto3 against a real gateway: CreateFunction, GetFunction,
GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
UpdateFunctionConfiguration, DeleteFunction; the state model and waiters;
validation; accounts and regions; the runtimes endpoint.

Expected shapes, codes and messages come from LocalStack's snapshots recorded
against AWS (tests/aws/services/lambda_/test_lambda_api.snapshot.json), named
per test as ``TestClass::test_name``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from tests.support.gateway_process import GatewayProcess

ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"  # the user guide's role ARN
HANDLER = "def handler(event, context):\n    return event\n"
LAST_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# TestLambdaFunction::test_function_lifecycle create_response / get_function_response
CREATE_KEYS = {
    "Architectures", "CodeSha256", "CodeSize", "Description", "EphemeralStorage", "FunctionArn", "FunctionName",
    "Handler", "LastModified", "LoggingConfig", "MemorySize", "PackageType", "RevisionId", "Role", "Runtime",
    "RuntimeVersionConfig", "SnapStart", "State", "StateReason", "StateReasonCode", "Timeout", "TracingConfig",
    "Version",
}
ACTIVE_KEYS = (CREATE_KEYS - {"StateReason", "StateReasonCode"}) | {"LastUpdateStatus"}
UPDATING_KEYS = ACTIVE_KEYS | {"LastUpdateStatusReason", "LastUpdateStatusReasonCode"}


# Helpers --------------------------------------------------------------------------------------
def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_zip(files: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"index.py": HANDLER}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def create(client: Any, name: str | None = None, **overrides: Any) -> dict:
    params = {
        "FunctionName": name or unique(),
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "index.handler",
        "Code": {"ZipFile": make_zip()},
    }
    params.update(overrides)
    return client.create_function(**{k: v for k, v in params.items() if v is not None})


def wait_active(client: Any, name: str) -> None:
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def wait_updated(client: Any, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture(scope="module")
def slow_gateway():
    """A gateway whose state transitions take 1.5 s, to observe Pending/InProgress."""
    with GatewayProcess(env={"LAMBDA_STATE_TRANSITION_DELAY_MS": "1500", "SERVICES": "lambda"}) as process:
        yield process


def client_for(url: str, region: str = "us-east-1", access_key: str = "test") -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


# Lifecycle ----------------------------------------------------------------------------------
# TestLambdaFunction::test_function_lifecycle
def test_function_lifecycle(client):
    name = unique()
    code = make_zip()
    created = create(client, name, Code={"ZipFile": code}, MemorySize=256, Timeout=5)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    configuration = {k: v for k, v in created.items() if k != "ResponseMetadata"}
    assert set(configuration) == CREATE_KEYS
    assert configuration["State"] == "Pending"
    assert configuration["StateReason"] == "The function is being created."
    assert configuration["StateReasonCode"] == "Creating"
    assert configuration["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert configuration["Architectures"] == ["x86_64"]
    assert configuration["EphemeralStorage"] == {"Size": 512}
    assert configuration["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert configuration["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert configuration["TracingConfig"] == {"Mode": "PassThrough"}
    assert configuration["PackageType"] == "Zip" and configuration["Version"] == "$LATEST"
    assert configuration["Description"] == "" and (configuration["MemorySize"], configuration["Timeout"]) == (256, 5)
    assert configuration["CodeSha256"] == b64sha(code) and configuration["CodeSize"] == len(code)
    assert LAST_MODIFIED.match(configuration["LastModified"])
    assert UUID.match(configuration["RevisionId"])
    assert re.match(r"^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$", configuration["RuntimeVersionConfig"]["RuntimeVersionArn"])

    wait_active(client, name)
    got = client.get_function(FunctionName=name)
    assert set(got) == {"Configuration", "Code", "ResponseMetadata"}
    assert set(got["Configuration"]) == ACTIVE_KEYS
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert got["Configuration"]["RevisionId"] != configuration["RevisionId"]
    assert got["Code"]["RepositoryType"] == "S3"
    assert download(got["Code"]["Location"]) == code

    updated = client.update_function_configuration(
        FunctionName=name, Runtime="python3.11", Description="Changed-Description", MemorySize=512, Timeout=10,
        Environment={"Variables": {"ENV_A": "a"}},
    )
    assert set(updated) - {"ResponseMetadata"} == UPDATING_KEYS | {"Environment"}
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReason"] == "The function is being created."
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    assert updated["State"] == "Active"
    assert (updated["Runtime"], updated["MemorySize"], updated["Timeout"]) == ("python3.11", 512, 10)
    assert updated["Environment"] == {"Variables": {"ENV_A": "a"}}
    assert updated["RuntimeVersionConfig"] != configuration["RuntimeVersionConfig"]
    wait_updated(client, name)

    new_code = make_zip({"index.py": HANDLER + "# v2\n"})
    code_update = client.update_function_code(FunctionName=name, ZipFile=new_code)
    assert code_update["LastUpdateStatus"] == "InProgress"
    assert code_update["CodeSha256"] == b64sha(new_code) and code_update["Description"] == "Changed-Description"
    wait_updated(client, name)
    got = client.get_function(FunctionName=name)
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert download(got["Code"]["Location"]) == new_code

    deleted = client.delete_function(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(client.get_function, FunctionName=name) == (
        "ResourceNotFoundException", f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}", 404,
    )


def test_waiters(client):
    name = unique()
    create(client, name)
    client.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    wait_active(client, name)
    client.update_function_configuration(FunctionName=name, Timeout=30)
    wait_updated(client, name)
    version = client.publish_version(FunctionName=name)["Version"]
    client.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier=version, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50}
    )


# TestLambdaVersions::test_publish_version_on_create
def test_create_with_publish_answers_version_one(client):
    name = unique()
    created = create(client, name, Publish=True)
    assert created["Version"] == "1"
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert created["State"] == "Pending"
    client.get_waiter("published_version_active").wait(
        FunctionName=name, Qualifier="1", WaiterConfig={"Delay": 0.1, "MaxAttempts": 50}
    )
    version = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert version["FunctionArn"].endswith(f":{name}:1") and version["Version"] == "1"


def test_defaults_and_optional_settings(client):
    name = unique()
    created = create(
        client, name,
        Environment={"Variables": {"ENV_A": "1"}},
        TracingConfig={"Mode": "Active"},
        EphemeralStorage={"Size": 1024},
        Architectures=["arm64"],
        LoggingConfig={"LogFormat": "JSON"},
        DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
        KMSKeyArn="arn:aws:kms:us-east-1:000000000000:key/abc",
        Tags={"team": "a"},
    )
    assert created["Environment"] == {"Variables": {"ENV_A": "1"}}
    assert created["TracingConfig"] == {"Mode": "Active"}
    assert created["EphemeralStorage"] == {"Size": 1024}
    assert created["Architectures"] == ["arm64"]
    assert created["LoggingConfig"] == {
        "LogFormat": "JSON", "LogGroup": f"/aws/lambda/{name}", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
    }
    assert created["DeadLetterConfig"] == {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}
    assert created["KMSKeyArn"] == "arn:aws:kms:us-east-1:000000000000:key/abc"
    wait_active(client, name)
    got = client.get_function(FunctionName=name)
    assert got["Tags"] == {"team": "a"}
    partial = client.update_function_configuration(FunctionName=name, Description="only this")
    assert partial["Environment"] == {"Variables": {"ENV_A": "1"}} and partial["TracingConfig"] == {"Mode": "Active"}
    assert partial["Description"] == "only this"


# GetFunction with qualifiers ------------------------------------------------------------------------
def test_get_with_qualifiers(client):
    name = unique()
    create(client, name)
    wait_active(client, name)
    version = client.publish_version(FunctionName=name)["Version"]
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    assert client.get_function(FunctionName=name, Qualifier=version)["Configuration"]["FunctionArn"] == f"{arn}:{version}"
    assert client.get_function_configuration(FunctionName=f"{arn}:{version}")["Version"] == version
    assert client.get_function_configuration(FunctionName=f"{name}:{version}")["Version"] == version
    # TestLambdaFunction::test_ops_on_nonexisting_version
    for call in (client.get_function, client.get_function_configuration):
        assert error_of(call, FunctionName=name, Qualifier="1221") == (
            "ResourceNotFoundException", f"Function not found: {arn}:1221", 404,
        )
    # TestLambdaFunction::test_ops_with_arn_qualifier_mismatch
    for call in (client.get_function, client.get_function_configuration, client.delete_function):
        assert error_of(call, FunctionName=f"{arn}:1", Qualifier="2") == (
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.",
            400,
        )
    missing = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:some-function"
    assert error_of(client.get_function, FunctionName=f"{missing}:$LATEST", Qualifier="$LATEST") == (
        "ResourceNotFoundException", f"Function not found: {missing}:$LATEST", 404,
    )
    assert error_of(client.delete_function, FunctionName=f"{missing}:$LATEST", Qualifier="$LATEST") == (
        "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function.", 400,
    )


# TestLambdaFunction::test_get_function_wrong_region, test_function_arns
def test_other_region_and_account_in_arns(client):
    name = unique()
    for call in (client.get_function, client.get_function_configuration, client.delete_function):
        assert error_of(call, FunctionName=f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:{name}") == (
            "ResourceNotFoundException", "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')", 404,
        )
    code, _, status = error_of(
        client.create_function, FunctionName=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        Runtime="python3.12", Role=ROLE, Handler="index.handler", Code={"ZipFile": make_zip()},
    )
    assert (code, status) == ("AccessDeniedException", 403)


def test_create_with_full_and_partial_arns(client):
    name = unique("arn")
    created = create(client, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
    assert created["FunctionName"] == name
    partial = unique("partial")
    assert create(client, f"{ACCOUNT}:function:{partial}")["FunctionArn"].endswith(f":function:{partial}")


# Validation ------------------------------------------------------------------------------
# TestLambdaFunction::test_create_lambda_exceptions, test_function_arns
def test_create_exceptions(client):
    runtimes = json.loads(download(client.meta.endpoint_url + "/_aws/lambda/runtimes?filter=all"))["Runtimes"]
    assert "python3.12" in runtimes
    name = unique("invalid-function")
    assert error_of(create, client=client, name=name, Role="r1") == (
        "ValidationException",
        "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular "
        r"expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
        400,
    )
    valid = (
        "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java17, nodejs16.x, "
        "java25, dotnet8, python3.10, java11, python3.11, dotnet6, java21, nodejs18.x, provided.al2, ruby3.3, ruby3.4, "
        "java8.al2, ruby3.2, python3.8, python3.9, dotnet10]"
    )
    for runtime in ("non-existent-runtime", "PYTHON3.9"):
        assert error_of(create, client=client, name=name, Runtime=runtime) == (
            "InvalidParameterValueException",
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: {valid} or be a valid ARN",
            400,
        )
    assert error_of(create, client=client, name=name, Runtime="python3.7") == (
        "InvalidParameterValueException",
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. "
        # AWS's recorded choice (test_lambda_api.snapshot.json, TestRuntimeValidation), not the family's newest.
        "We recommend you use the new runtime (python3.12) while creating or updating functions.",
        400,
    )
    assert error_of(create, client=client, name=name, Architectures=["x86_64", "arm64"]) == (
        "ValidationException",
        "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: "
        "Member must have length less than or equal to 1",
        400,
    )
    code, message, status = error_of(create, client=client, name=name, Architectures=["X86_64"])
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: ")
    assert error_of(create, client=client, name=name, Code={"ZipFile": b"this is not a zipfile, just a random string"}) == (
        "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.", 400,
    )
    long_name = "a" * 65
    assert error_of(create, client=client, name=long_name) == (
        "InvalidParameterValueException",
        f"1 validation error detected: Value '{long_name}' at 'functionName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64",
        400,
    )
    prefix = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
    long_arn = prefix + "a" * (140 - len(prefix) + 1)
    assert error_of(create, client=client, name=long_arn) == (
        "ValidationException",
        f"1 validation error detected: Value '{long_arn}' at 'functionName' failed to satisfy constraint: "
        "Member must have length less than or equal to 140",
        400,
    )
    code, message, status = error_of(create, client=client, name="invalid:function:name")
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith(
        "1 validation error detected: Value 'invalid:function:name' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
    )
    assert error_of(create, client=client, name=name, Handler=None) == (
        "InvalidParameterValueException",
        "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        400,
    )


def test_limits_as_aws_enforces_them(client):
    name = unique()
    for overrides, member, text in (
        ({"MemorySize": 10241}, "memorySize", "Member must have value less than or equal to 10240"),
        ({"Timeout": 901}, "timeout", "Member must have value less than or equal to 900"),
        ({"EphemeralStorage": {"Size": 10241}}, "ephemeralStorage.size", "Member must have value less than or equal to 10240"),
    ):
        value = list(overrides.values())[0]
        value = value["Size"] if isinstance(value, dict) else value
        assert error_of(create, client=client, name=name, **overrides) == (
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {text}",
            400,
        )
    big = {"ENV_A": "x" * 4096}
    assert error_of(create, client=client, name=name, Environment={"Variables": big}) == (
        "InvalidParameterValueException",
        "Lambda was unable to configure your environment variables because the environment variables you have "
        f"provided exceeded the 4KB limit. String measured: {json.dumps(big, separators=(',', ':'))}",
        400,
    )
    code, message, status = error_of(create, client=client, name=name, Environment={"Variables": {"AWS_REGION": "x"}})
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith(
        "Lambda was unable to configure your environment variables because the environment variables you have "
        "provided contains reserved keys that are currently not supported for modification. Reserved keys used in "
        "this request: AWS_REGION"
    )
    created = create(client, name, MemorySize=10240, Timeout=900, Environment={"Variables": {"ENV_A": "x" * 4000}})
    assert (created["MemorySize"], created["Timeout"]) == (10240, 900)
    assert error_of(create, client=client, name=name) == (
        "ResourceConflictException", f"Function already exist: {name}", 409,
    )


# TestLambdaFunction::test_update_lambda_exceptions
def test_update_exceptions(client):
    name = unique()
    create(client, name)
    wait_active(client, name)
    assert error_of(client.update_function_configuration, FunctionName=name, Role="r1")[0] == "ValidationException"
    assert error_of(client.update_function_configuration, FunctionName=name, Runtime="non-existent-runtime")[0] == (
        "InvalidParameterValueException"
    )
    revision = "00000000-0000-0000-0000-000000000000"
    mismatch = (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to "
        "retrieve the latest Revision Id",
        412,
    )
    assert error_of(client.update_function_configuration, FunctionName=name, Timeout=9, RevisionId=revision) == mismatch
    assert error_of(client.update_function_code, FunctionName=name, ZipFile=make_zip(), RevisionId=revision) == mismatch
    current = client.get_function(FunctionName=name)["Configuration"]["RevisionId"]
    updated = client.update_function_configuration(FunctionName=name, Timeout=9, RevisionId=current)
    assert updated["RevisionId"] != current
    missing = unique("missing")
    assert error_of(client.update_function_configuration, FunctionName=missing, Timeout=9) == (
        "ResourceNotFoundException", f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:{missing}", 404,
    )


# LoggingConfig: levels are for JSON logs only. The message is AWS's (also quoted by cfn-lint rule
# E3696); an update changes only the members it names, and switching JSON -> Text drops the levels
# (TestLoggingConfig::test_advanced_logging_configuration_format_switch).
LOG_LEVEL_WITH_TEXT = (
    "InvalidParameterValueException",
    'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the '
    'LogFormat to "JSON" and try again.',
    400,
)


def test_log_levels_need_json_format(client):
    refused = unique()
    for logging in ({"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"}, {"LogFormat": "Text", "SystemLogLevel": "WARN"},
                    {"ApplicationLogLevel": "DEBUG"}):
        assert error_of(create, client=client, name=refused, LoggingConfig=logging) == LOG_LEVEL_WITH_TEXT
    assert error_of(client.get_function, FunctionName=refused)[0] == "ResourceNotFoundException"

    name = unique()
    create(client, name, LoggingConfig={"LogFormat": "Text"})
    wait_active(client, name)
    assert error_of(client.update_function_configuration, FunctionName=name,
                    LoggingConfig={"ApplicationLogLevel": "DEBUG"}) == LOG_LEVEL_WITH_TEXT
    assert error_of(client.update_function_configuration, FunctionName=name,
                    LoggingConfig={"LogFormat": "Text", "SystemLogLevel": "DEBUG"}) == LOG_LEVEL_WITH_TEXT
    group = f"/aws/lambda/{name}"
    assert client.get_function_configuration(FunctionName=name)["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": group}

    as_json = client.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
    assert as_json["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": group, "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO"}
    wait_updated(client, name)
    # A partial update on a JSON function may name a level alone.
    partial = client.update_function_configuration(FunctionName=name, LoggingConfig={"SystemLogLevel": "WARN"})
    assert partial["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": group, "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"}
    wait_updated(client, name)
    as_text = client.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    assert as_text["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": group}
    wait_updated(client, name)
    assert client.get_function_configuration(FunctionName=name)["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": group}


def test_update_function_code_options(client):
    name = unique()
    create(client, name)
    wait_active(client, name)
    before = client.get_function_configuration(FunctionName=name)
    dry = client.update_function_code(FunctionName=name, ZipFile=make_zip({"other.py": "x"}), DryRun=True)
    assert dry["CodeSha256"] == before["CodeSha256"]
    assert client.get_function_configuration(FunctionName=name)["RevisionId"] == before["RevisionId"]
    new_code = make_zip({"index.py": HANDLER + "# v2\n"})
    published = client.update_function_code(FunctionName=name, ZipFile=new_code, Publish=True, Architectures=["arm64"])
    assert published["Version"] == "1" and published["FunctionArn"].endswith(f":{name}:1")
    assert published["CodeSha256"] == b64sha(new_code) and published["Architectures"] == ["arm64"]
    wait_updated(client, name)
    assert error_of(client.update_function_code, FunctionName=name, ImageUri="repo/image:latest") == (
        "InvalidParameterValueException", "Please don't provide ImageUri when updating a function with packageType Zip.", 400,
    )


def test_delete_versions_and_aliases(client):
    name = unique()
    create(client, name)
    wait_active(client, name)
    client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error_of(client.delete_function, FunctionName=name, Qualifier="1") == (
        "ResourceConflictException", "Unable to delete version because the following aliases reference it: [live]", 409,
    )
    client.delete_alias(FunctionName=name, Name="live")
    assert client.delete_function(FunctionName=name, Qualifier="1")["ResponseMetadata"]["HTTPStatusCode"] == 204
    # TestLambdaFunction::test_delete_on_nonexisting_version: idempotent for unknown versions
    client.delete_function(FunctionName=name, Qualifier="1233")
    assert error_of(client.get_function, FunctionName=name, Qualifier="1")[0] == "ResourceNotFoundException"
    client.delete_function(FunctionName=name)
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    for qualifier in ({}, {"Qualifier": "1233"}):
        assert error_of(client.delete_function, FunctionName=name, **qualifier) == (
            "ResourceNotFoundException", f"Function not found: {arn}", 404,
        )


# State model ---------------------------------------------------------------------------------
def test_operations_in_the_wrong_state_conflict(slow_gateway):
    client = client_for(slow_gateway.url)
    name = unique()
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    create(client, name)
    assert client.get_function(FunctionName=name)["Configuration"]["State"] == "Pending"
    assert error_of(client.update_function_configuration, FunctionName=name, Timeout=9) == (
        "ResourceConflictException",
        "The operation cannot be performed at this time. The function is currently in the following state: Pending",
        409,
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    client.update_function_configuration(FunctionName=name, Timeout=9)
    assert client.get_function(FunctionName=name)["Configuration"]["LastUpdateStatus"] == "InProgress"
    for call, kwargs in (
        (client.update_function_configuration, {"Timeout": 10}),
        (client.update_function_code, {"ZipFile": make_zip()}),
    ):
        assert error_of(call, FunctionName=name, **kwargs) == (
            "ResourceConflictException",
            f"The operation cannot be performed at this time. An update is in progress for resource: {arn}",
            409,
        )
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    assert client.get_function_configuration(FunctionName=name)["Timeout"] == 9


def test_synchronous_create():
    with GatewayProcess(env={"LAMBDA_SYNCHRONOUS_CREATE": "1", "SERVICES": "lambda"}) as process:
        client = client_for(process.url)
        created = create(client)
        assert created["State"] == "Active" and created["LastUpdateStatus"] == "Successful"


# ListFunctions ------------------------------------------------------------------------------
# TestLambdaFunction::test_list_functions
def test_list_functions_pagination(aws_client):
    account = "210987654321"
    client = aws_client("lambda", access_key=account)
    prefix = unique("list")
    names = sorted(f"{prefix}-{i:02d}" for i in range(7))
    for index, name in enumerate(names):
        create(client, name, Publish=index % 3 == 0)
    for name in names:
        wait_active(client, name)
    seen, marker, pages = [], None, 0
    while True:
        kwargs = {"MaxItems": 2, **({"Marker": marker} if marker else {})}
        page = client.list_functions(**kwargs)
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        pages += 1
        marker = page.get("NextMarker")
        if not marker:
            break
    ours = [n for n in seen if n.startswith(prefix)]
    assert ours == names
    assert seen == sorted(seen)
    entry = next(f for f in client.list_functions()["Functions"] if f["FunctionName"] == names[0])
    assert "State" not in entry and "LastUpdateStatus" not in entry and "RuntimeVersionConfig" not in entry
    assert entry["FunctionArn"] == f"arn:aws:lambda:us-east-1:{account}:function:{names[0]}"

    everything = client.get_paginator("list_functions").paginate(
        FunctionVersion="ALL", PaginationConfig={"PageSize": 1}
    ).build_full_result()["Functions"]
    arns = [f["FunctionArn"].split(":function:")[1] for f in everything if f["FunctionName"].startswith(prefix)]
    expected = []
    for index, name in enumerate(names):
        expected.append(f"{name}:$LATEST")
        if index % 3 == 0:
            expected.append(f"{name}:1")
    assert arns == expected
    code, message, status = error_of(client.list_functions, FunctionVersion="invalid")
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ALL]"
    )


# Code from S3, images, hot reload -----------------------------------------------------------
def test_code_from_s3(aws_client, client):
    s3 = aws_client("s3")
    bucket = unique("code-bucket")
    s3.create_bucket(Bucket=bucket)
    code = make_zip()
    s3.put_object(Bucket=bucket, Key="code/function.zip", Body=code)
    name = unique()
    created = create(client, name, Code={"S3Bucket": bucket, "S3Key": "code/function.zip"})
    assert created["CodeSha256"] == b64sha(code) and created["CodeSize"] == len(code)
    wait_active(client, name)
    assert download(client.get_function(FunctionName=name)["Code"]["Location"]) == code
    new_code = make_zip({"index.py": HANDLER + "# s3 v2\n"})
    s3.put_object(Bucket=bucket, Key="code/function.zip", Body=new_code)
    assert client.update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="code/function.zip")["CodeSha256"] == b64sha(new_code)
    assert error_of(create, client=client, Code={"S3Bucket": unique("no-such-bucket"), "S3Key": "x.zip"}) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        400,
    )
    assert error_of(create, client=client, Code={"S3Bucket": bucket, "S3Key": "missing.zip"}) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        400,
    )


def test_code_from_s3_uses_the_callers_account(aws_client):
    account = "123123123123"
    s3 = aws_client("s3", access_key=account)
    client = aws_client("lambda", access_key=account)
    bucket = unique("acct-bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="f.zip", Body=make_zip())
    assert create(client, Code={"S3Bucket": bucket, "S3Key": "f.zip"})["FunctionArn"].startswith(
        f"arn:aws:lambda:us-east-1:{account}:"
    )


def test_image_function(client):
    name = unique()
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-image:latest"
    created = client.create_function(FunctionName=name, Role=ROLE, PackageType="Image", Code={"ImageUri": image},
                                     ImageConfig={"Command": ["app.handler"]})
    assert created["PackageType"] == "Image" and "Runtime" not in created and "Handler" not in created
    assert created["ImageConfigResponse"] == {"ImageConfig": {"Command": ["app.handler"]}}
    # Active with an executor that runs images; Failed ("Docker not available") without one.
    deadline = time.monotonic() + 10
    while client.get_function_configuration(FunctionName=name)["State"] == "Pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    code = client.get_function(FunctionName=name)["Code"]
    assert code["RepositoryType"] == "ECR" and code["ImageUri"] == image
    assert error_of(client.update_function_code, FunctionName=name, ZipFile=make_zip()) == (
        "InvalidParameterValueException", "Please provide ImageUri when updating a function with packageType Image.", 400,
    )


def test_hot_reload_directory(client, tmp_path):
    (tmp_path / "index.py").write_text(HANDLER)
    name = unique()
    created = create(client, name, Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)})
    assert created["CodeSha256"] == "hot-reloading-hash-not-available" and created["CodeSize"] == 0
    wait_active(client, name)
    # As LocalStack answers: the directory is named, never served as a download.
    assert client.get_function(FunctionName=name)["Code"] == {
        "RepositoryType": "S3", "Location": f"Code location: {tmp_path}"}


# Size limits ----------------------------------------------------------------------------------
# TestLambdaSizeLimits
def test_size_limits(client):
    zeros = io.BytesIO()
    with zipfile.ZipFile(zeros, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big.bin", "w", force_zip64=True) as entry:
            for _ in range(251):
                entry.write(bytes(1 << 20))
    assert error_of(create, client=client, Code={"ZipFile": zeros.getvalue()}) == (
        "InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes", 400,
    )
    incompressible = io.BytesIO()
    with zipfile.ZipFile(incompressible, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("random.bin", os.urandom(52_428_800 - 100))
    assert len(incompressible.getvalue()) > 52_428_800
    assert error_of(create, client=client, Code={"ZipFile": incompressible.getvalue()}) == (
        "RequestEntityTooLargeException", "Zipped size must be smaller than 52428800 bytes", 413,
    )
    oversized = incompressible.getvalue() + os.urandom(200_000)
    assert error_of(create, client=client, Code={"ZipFile": oversized}) == (
        "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation", 413,
    )


# Accounts and regions ------------------------------------------------------------------------
def test_state_is_isolated_per_account_and_region(aws_client):
    name = unique("shared-name")
    clients = {
        (account, region): aws_client("lambda", region=region, access_key=account)
        for account in ("111111111111", "222222222222")
        for region in ("us-east-1", "eu-west-1")
    }
    for (account, region), client in clients.items():
        created = create(client, name, Description=f"{account}/{region}")
        assert created["FunctionArn"] == f"arn:aws:lambda:{region}:{account}:function:{name}"
    for (account, region), client in clients.items():
        assert client.get_function_configuration(FunctionName=name)["Description"] == f"{account}/{region}"
        listed = [f for f in client.list_functions()["Functions"] if f["FunctionName"] == name]
        assert [f["FunctionArn"] for f in listed] == [f"arn:aws:lambda:{region}:{account}:function:{name}"]
    clients[("111111111111", "us-east-1")].delete_function(FunctionName=name)
    for key, client in clients.items():
        if key != ("111111111111", "us-east-1"):
            assert client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


# The user guide --------------------------------------------------------------------------
def test_user_guide_functions_can_be_created(client):
    """nodejs18.x and python3.8 (deprecated at AWS; accepted here on purpose, see runtimes.py)."""
    node = client.create_function(
        FunctionName=unique("localstack-lambda-url-example"), Runtime="nodejs18.x",
        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (event) => event;\n"})},
        Handler="index.handler", Role="arn:aws:iam::000000000000:role/lambda-role",
    )
    assert node["Runtime"] == "nodejs18.x"
    python = client.create_function(
        FunctionName=unique("func1"), Runtime="python3.8", Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="testlambda.handler", Timeout=30, Code={"ZipFile": make_zip({"testlambda.py": HANDLER})},
    )
    assert python["Timeout"] == 30


# /_aws/lambda/runtimes ------------------------------------------------------------------------
def test_runtimes_endpoint(gateway_url):
    supported = json.loads(download(f"{gateway_url}/_aws/lambda/runtimes"))["Runtimes"]
    deprecated = json.loads(download(f"{gateway_url}/_aws/lambda/runtimes?filter=deprecated"))["Runtimes"]
    everything = json.loads(download(f"{gateway_url}/_aws/lambda/runtimes?filter=all"))["Runtimes"]
    assert "python3.14" in supported and "nodejs24.x" in supported
    assert "python3.8" in deprecated and "python3.8" not in supported and "python3.7" in deprecated
    assert set(everything) == set(supported) | set(deprecated)
    with pytest.raises(urllib.error.HTTPError) as error:
        download(f"{gateway_url}/_aws/lambda/runtimes?filter=bogus")
    assert error.value.code == 400


# Code storage --------------------------------------------------------------------------------
def test_code_blobs_live_as_long_as_a_version_holds_them(client):
    name = unique()
    first = make_zip({"index.py": HANDLER + "# first\n"})
    create(client, name, Code={"ZipFile": first})
    wait_active(client, name)
    client.publish_version(FunctionName=name)
    client.update_function_code(FunctionName=name, ZipFile=make_zip({"index.py": HANDLER + "# second\n"}))
    wait_updated(client, name)
    first_url = client.get_function(FunctionName=name, Qualifier="1")["Code"]["Location"]
    latest_url = client.get_function(FunctionName=name)["Code"]["Location"]
    assert download(first_url) == first  # version 1 still holds the first zip
    client.delete_function(FunctionName=name, Qualifier="1")
    wait_collected(first_url)
    assert download(latest_url)  # $LATEST's code stays

    # A version holding a zip keeps it when $LATEST moves on.
    other = unique()
    create(client, other, Code={"ZipFile": first}, Publish=True)
    client.get_waiter("published_version_active").wait(FunctionName=other, Qualifier="1", WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    client.update_function_code(FunctionName=other, ZipFile=make_zip({"index.py": HANDLER + "# third\n"}))
    wait_updated(client, other)
    throwaway = unique()  # released after the first zip: once its blob is gone, a sweep has looked at both
    create(client, throwaway, Code={"ZipFile": make_zip({"index.py": HANDLER + f"# {throwaway}\n"})})
    wait_active(client, throwaway)
    throwaway_url = client.get_function(FunctionName=throwaway)["Code"]["Location"]
    client.delete_function(FunctionName=throwaway)
    wait_collected(throwaway_url)
    assert download(client.get_function(FunctionName=other, Qualifier="1")["Code"]["Location"]) == first


def wait_collected(url: str, timeout: float = 10.0) -> None:
    """Poll until a released code blob has been swept (404)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            download(url)
        except urllib.error.HTTPError as error:
            assert error.code == 404
            return
        assert time.monotonic() < deadline, "released code was never collected"
        time.sleep(0.1)
