"""Layer versions, their permissions, and a function's Layers, through boto3.

Expected shapes, codes and messages: LocalStack's AWS-recorded snapshots in
test_lambda_api.snapshot.json, TestLambdaLayer::test_layer_lifecycle,
::test_layer_exceptions, ::test_layer_s3_content, ::test_layer_function_exceptions,
::test_layer_function_quota_exception, ::test_layer_policy_exceptions,
::test_layer_policy_lifecycle; the cross-account AccessDeniedException as AWS
words it for CreateFunction (quoted in crucial-project/serverless-shell#2).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import urllib.request
import zipfile

import pytest

from .config_helpers import create_function, error, status, unique, wait_until

ACCOUNT = "000000000000"
OTHER_ACCOUNT = "111111111111"
LAYER_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer"
RESOURCE_NOT_FOUND = ("ResourceNotFoundException", "The resource you requested does not exist.", 404)
VERSION_BELOW_ONE = ("InvalidParameterValueException", "Layer Version Cannot be less than 1", 400)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


@pytest.fixture
def raw_client(aws_client):
    """Sends what botocore would refuse client-side."""
    return aws_client("lambda", parameter_validation=False)


@pytest.fixture
def other_client(aws_client):
    """The same gateway as another account (a 12-digit access key selects it)."""
    return aws_client("lambda", access_key=OTHER_ACCOUNT)


def layer_zip(content: str = "VALUE = 1\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/layer_module.py", content)
    return buffer.getvalue()


def publish(client, name: str, **kwargs) -> dict:
    kwargs.setdefault("Content", {"ZipFile": layer_zip()})
    return client.publish_layer_version(LayerName=name, **kwargs)


def test_layer_lifecycle(client):
    name = unique("layer")
    data = layer_zip()
    first = publish(
        client, name, Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"], LicenseInfo="MIT", Description="my layer",
    )
    assert status(first) == 201
    assert first["LayerArn"] == f"{LAYER_ARN}:{name}"
    assert first["LayerVersionArn"] == f"{LAYER_ARN}:{name}:1"
    assert first["Version"] == 1
    assert (first["Description"], first["LicenseInfo"]) == ("my layer", "MIT")
    assert (first["CompatibleRuntimes"], first["CompatibleArchitectures"]) == (["python3.12"], ["x86_64"])
    assert first["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert first["Content"]["CodeSize"] == len(data)
    assert first["CreatedDate"].endswith("+0000")
    # Content.Location downloads the zip.
    with urllib.request.urlopen(first["Content"]["Location"]) as response:
        assert response.read() == data

    second = publish(client, name, CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    assert second["Version"] == 2
    got = client.get_layer_version(LayerName=name, VersionNumber=1)
    assert {k: v for k, v in got.items() if k not in ("ResponseMetadata", "Content")} == {
        k: v for k, v in first.items() if k not in ("ResponseMetadata", "Content")
    }
    by_arn = client.get_layer_version_by_arn(Arn=f"{LAYER_ARN}:{name}:2")
    assert by_arn["LayerVersionArn"] == f"{LAYER_ARN}:{name}:2"
    assert client.get_layer_version(LayerName=f"{LAYER_ARN}:{name}", VersionNumber=2)["Version"] == 2

    versions = client.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert versions[1] == {
        "LayerVersionArn": f"{LAYER_ARN}:{name}:1", "Version": 1, "Description": "my layer",
        "CreatedDate": first["CreatedDate"], "CompatibleRuntimes": ["python3.12"],
        "CompatibleArchitectures": ["x86_64"], "LicenseInfo": "MIT",
    }

    assert status(client.delete_layer_version(LayerName=name, VersionNumber=1)) == 204
    assert status(client.delete_layer_version(LayerName=name, VersionNumber=2)) == 204
    assert client.list_layer_versions(LayerName=name)["LayerVersions"] == []
    assert name not in [layer["LayerName"] for layer in client.list_layers()["Layers"]]
    # Version numbers are never reused.
    third = publish(client, name)
    assert third["Version"] == 3
    assert "CompatibleRuntimes" not in third and "LicenseInfo" not in third


def test_layer_errors(client, raw_client):
    """TestLambdaLayer::test_layer_exceptions."""
    name = unique("layer")
    publish(client, name)
    assert client.list_layer_versions(LayerName=unique("missing"))["LayerVersions"] == []
    assert error(client.get_layer_version, LayerName=unique("missing"), VersionNumber=1) == RESOURCE_NOT_FOUND
    assert error(client.get_layer_version, LayerName=name, VersionNumber=-1) == VERSION_BELOW_ONE
    assert error(client.get_layer_version, LayerName=name, VersionNumber=0) == VERSION_BELOW_ONE
    assert error(client.get_layer_version, LayerName=name, VersionNumber=2) == RESOURCE_NOT_FOUND
    assert error(client.get_layer_version_by_arn, Arn=f"{LAYER_ARN}:{name}:2") == RESOURCE_NOT_FOUND
    code, _, http_status = error(client.get_layer_version_by_arn, Arn=f"{LAYER_ARN}:{name}")
    assert (code, http_status) == ("ValidationException", 400)
    assert status(client.delete_layer_version(LayerName=unique("missing"), VersionNumber=1)) == 204
    assert status(client.delete_layer_version(LayerName=name, VersionNumber=2)) == 204
    assert error(client.delete_layer_version, LayerName=name, VersionNumber=0) == VERSION_BELOW_ONE
    empty = publish(client, unique("layer"), CompatibleRuntimes=[], CompatibleArchitectures=[])
    assert (empty["CompatibleRuntimes"], empty["CompatibleArchitectures"]) == ([], [])
    code, _, _ = error(raw_client.list_layers, CompatibleArchitecture="archdoesnotexist")
    assert code == "ValidationException"
    assert error(publish, client=client, name=name, Content={"ZipFile": b"not a zip"}) == (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
        400,
    )



def test_layer_from_s3(client, aws_client):
    """TestLambdaLayer::test_layer_s3_content."""
    s3 = aws_client("s3")
    bucket = unique("layer-bucket")
    s3.create_bucket(Bucket=bucket)
    data = layer_zip("FROM_S3 = True\n")
    s3.put_object(Bucket=bucket, Key="layer.zip", Body=data)
    published = publish(client, unique("layer"), Content={"S3Bucket": bucket, "S3Key": "layer.zip"})
    assert published["Version"] == 1
    assert published["Content"]["CodeSize"] == len(data)
    assert "CompatibleRuntimes" not in published and "CompatibleArchitectures" not in published
    code, message, http_status = error(
        publish, client=client, name=unique("layer"), Content={"S3Bucket": bucket, "S3Key": "missing.zip"}
    )
    assert (code, http_status) == ("InvalidParameterValueException", 400)
    assert message.startswith("Error occurred while GetObject. S3 Error Code: NoSuchKey.")


def test_list_layers_filters_and_pages(client):
    prefix = unique("lst")
    names = [f"{prefix}-{i}" for i in range(3)]
    publish(client, names[0], CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"])
    publish(client, names[0], CompatibleRuntimes=["nodejs20.x"], CompatibleArchitectures=["arm64"])
    publish(client, names[1], CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["arm64"])
    publish(client, names[2])

    def listed(**kwargs) -> dict[str, int]:
        found: dict[str, int] = {}
        for page in client.get_paginator("list_layers").paginate(PaginationConfig={"PageSize": 2}, **kwargs):
            for layer in page["Layers"]:
                if layer["LayerName"].startswith(prefix):
                    assert layer["LayerArn"] == f"{LAYER_ARN}:{layer['LayerName']}"
                    found[layer["LayerName"]] = layer["LatestMatchingVersion"]["Version"]
        return found

    assert listed() == {names[0]: 2, names[1]: 1, names[2]: 1}
    assert listed(CompatibleRuntime="python3.12") == {names[0]: 1, names[1]: 1}
    assert listed(CompatibleArchitecture="arm64") == {names[0]: 2, names[1]: 1}
    assert listed(CompatibleRuntime="python3.12", CompatibleArchitecture="x86_64") == {names[0]: 1}
    versions = client.list_layer_versions(LayerName=names[0], CompatibleRuntime="python3.12")["LayerVersions"]
    assert [v["Version"] for v in versions] == [1]

    for _ in range(3):
        publish(client, names[2])
    seen, marker = [], None
    while True:
        page = client.list_layer_versions(LayerName=names[2], MaxItems=3, **({"Marker": marker} if marker else {}))
        seen += [v["Version"] for v in page["LayerVersions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == [4, 3, 2, 1]


def test_layer_policy(client, raw_client):
    """TestLambdaLayer::test_layer_policy_lifecycle and ::test_layer_policy_exceptions."""
    name = unique("layer")
    publish(client, name)
    version_arn = f"{LAYER_ARN}:{name}:1"
    assert error(client.get_layer_version_policy, LayerName=name, VersionNumber=1) == (
        "ResourceNotFoundException", "No policy is associated with the given resource.", 404,
    )
    added = client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion", Principal="*"
    )
    assert status(added) == 201
    statement = {"Sid": "s1", "Effect": "Allow", "Principal": "*", "Action": "lambda:GetLayerVersion", "Resource": version_arn}
    assert json.loads(added["Statement"]) == statement
    policy = client.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert json.loads(policy["Policy"]) == {"Version": "2012-10-17", "Id": "default", "Statement": [statement]}
    assert policy["RevisionId"] == added["RevisionId"]

    code, message, _ = error(raw_client.add_layer_version_permission, LayerName=name, VersionNumber=1,
                             StatementId="s2", Action="*", Principal="*")
    assert code == "ValidationException" and "Value '*' at 'action'" in message
    assert error(client.add_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="s1",
                 Action="lambda:GetLayerVersion", Principal="*") == (
        "ResourceConflictException",
        "The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.",
        409,
    )
    wrong_revision = (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id",
        412,
    )
    assert error(client.add_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="s2",
                 Action="lambda:GetLayerVersion", Principal="*", RevisionId="wrong") == wrong_revision
    for layer_name, number in ((f"{name}-doesnotexist", 1), (name, 2)):
        missing = ("ResourceNotFoundException", f"Layer version {LAYER_ARN}:{layer_name}:{number} does not exist.", 404)
        assert error(client.add_layer_version_permission, LayerName=layer_name, VersionNumber=number,
                     StatementId="s2", Action="lambda:GetLayerVersion", Principal="*") == missing
        assert error(client.get_layer_version_policy, LayerName=layer_name, VersionNumber=number) == missing
        assert error(client.remove_layer_version_permission, LayerName=layer_name, VersionNumber=number,
                     StatementId="s1") == missing
    assert error(client.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="doesnotexist") == (
        "ResourceNotFoundException", "Statement doesnotexist is not found in resource policy.", 404,
    )
    assert error(client.remove_layer_version_permission, LayerName=name, VersionNumber=1, StatementId="s1",
                 RevisionId="wrong") == wrong_revision

    second = client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s2", Action="lambda:GetLayerVersion", Principal=OTHER_ACCOUNT,
        OrganizationId="o-1234567890", RevisionId=added["RevisionId"],
    )
    assert json.loads(second["Statement"]) == {
        "Sid": "s2", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": "lambda:GetLayerVersion", "Resource": version_arn,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}},
    }
    assert second["RevisionId"] != added["RevisionId"]
    assert status(client.remove_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="s2", RevisionId=second["RevisionId"]
    )) == 204
    remaining = json.loads(client.get_layer_version_policy(LayerName=name, VersionNumber=1)["Policy"])
    assert [s["Sid"] for s in remaining["Statement"]] == ["s1"]


def test_function_layers(client):
    """TestLambdaLayer::test_layer_function_exceptions and ::test_layer_function_quota_exception."""
    name = unique("layer")
    for _ in range(3):
        publish(client, name, CompatibleRuntimes=["python3.12"])
    arn = f"{LAYER_ARN}:{name}"
    function = create_function(client, Layers=[f"{arn}:1"])
    config = client.get_function_configuration(FunctionName=function)
    assert config["Layers"] == [{"Arn": f"{arn}:1", "CodeSize": len(layer_zip())}]

    def create_error(layers: list[str]) -> tuple[str, str, int]:
        return error(client.create_function, FunctionName=unique("fn"), Runtime="python3.12", Handler="index.handler",
                     Role=f"arn:aws:iam::{ACCOUNT}:role/r", Code={"ZipFile": layer_zip()}, Layers=layers)

    def same_layer(first: str, second: str) -> tuple[str, str, int]:
        return (
            "InvalidParameterValueException",
            "Two different versions of the same layer are not allowed to be referenced in the same function. "
            f"{first} and {second} are versions of the same layer.",
            400,
        )

    assert create_error([f"{arn}:1", f"{arn}:2"]) == same_layer(f"{arn}:1", f"{arn}:2")
    assert create_error([f"{arn}:1", f"{arn}:2", f"{arn}:3"]) == same_layer(f"{arn}:1", f"{arn}:2")
    assert create_error([f"{arn}:1", f"{arn}:1"]) == same_layer(f"{arn}:1", f"{arn}:1")
    assert create_error([f"{LAYER_ARN}:doesnotexist:1"]) == (
        "InvalidParameterValueException", f"Layer version {LAYER_ARN}:doesnotexist:1 does not exist.", 400,
    )
    assert error(client.update_function_configuration, FunctionName=function, Layers=[f"{arn}:9"]) == (
        "InvalidParameterValueException", f"Layer version {arn}:9 does not exist.", 400,
    )
    code, message, http_status = create_error([arn])
    assert (code, http_status) == ("ValidationException", 400)
    assert message.startswith(f"1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint")
    assert create_error([f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:{name}:1"]) == (
        "InvalidParameterValueException",
        "Layers are not in the same region as the function. Layers are expected to be in region us-east-1.",
        400,
    )
    six = [f"{LAYER_ARN}:{unique('l')}:1" for _ in range(6)]
    assert create_error(six) == ("InvalidParameterValueException", "Cannot reference more than 5 layers.", 400)

    # A deleted layer version stays usable by the function that references it.
    client.delete_layer_version(LayerName=name, VersionNumber=1)
    assert error(client.get_layer_version, LayerName=name, VersionNumber=1) == RESOURCE_NOT_FOUND
    assert client.get_function_configuration(FunctionName=function)["Layers"][0]["Arn"] == f"{arn}:1"
    assert create_error([f"{arn}:1"]) == (
        "InvalidParameterValueException", f"Layer version {arn}:1 does not exist.", 400,
    )
    client.update_function_configuration(FunctionName=function, Layers=[f"{arn}:2"])
    wait_until(lambda: client.get_function_configuration(FunctionName=function)["LastUpdateStatus"] == "Successful")
    assert client.get_function_configuration(FunctionName=function)["Layers"][0]["Arn"] == f"{arn}:2"


def test_layer_of_another_account(client, other_client):
    name = unique("shared")
    other_arn = f"arn:aws:lambda:us-east-1:{OTHER_ACCOUNT}:layer:{name}:1"
    publish(other_client, name)
    denied = (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: lambda:GetLayerVersion on resource: "
        f"{other_arn} because no resource-based policy allows the lambda:GetLayerVersion action",
        403,
    )
    assert error(client.get_layer_version_by_arn, Arn=other_arn) == denied
    code, message, http_status = error(
        client.create_function, FunctionName=unique("fn"), Runtime="python3.12", Handler="index.handler",
        Role=f"arn:aws:iam::{ACCOUNT}:role/r", Code={"ZipFile": layer_zip()}, Layers=[other_arn],
    )
    assert (code, message, http_status) == denied
    other_client.add_layer_version_permission(
        LayerName=name, VersionNumber=1, StatementId="share", Action="lambda:GetLayerVersion", Principal=ACCOUNT
    )
    assert client.get_layer_version_by_arn(Arn=other_arn)["LayerVersionArn"] == other_arn
    function = create_function(client, Layers=[other_arn])
    assert client.get_function_configuration(FunctionName=function)["Layers"][0]["Arn"] == other_arn
    # The layer stays invisible in the caller's own listing.
    assert name not in [layer["LayerName"] for layer in client.list_layers()["Layers"]]
