"""Code signing configs and function code signing configs, through boto3.

Expected codes and messages: LocalStack's AWS-recorded snapshots,
test_lambda_api.snapshot.json, TestCodeSigningConfig::test_function_code_signing_config
and ::test_code_signing_not_found_excs.
"""

from __future__ import annotations

import re
import uuid

import pytest

from .config_helpers import create_function, error, status

ACCOUNT = "000000000000"
PUBLISHERS = {"SigningProfileVersionArns": [f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/test"]}
MISSING = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0000000000000000b"
CSC_NOT_FOUND = ("ResourceNotFoundException", f"The Lambda code signing configuration {MISSING} can not be found.", 404)
FN_NOT_FOUND = ("ResourceNotFoundException", f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT}:function:csc-test-doesnotexist", 404)


@pytest.fixture
def client(aws_client):
    return aws_client("lambda")


def test_code_signing_config_lifecycle(client):
    created = client.create_code_signing_config(
        Description="Testing CodeSigning Config",
        AllowedPublishers=PUBLISHERS,
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
    )
    assert status(created) == 201
    config = created["CodeSigningConfig"]
    assert re.fullmatch(r"csc-[a-z0-9]{17}", config["CodeSigningConfigId"])
    arn = config["CodeSigningConfigArn"]
    assert arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:{config['CodeSigningConfigId']}"
    assert config["AllowedPublishers"] == PUBLISHERS and config["Description"] == "Testing CodeSigning Config"
    assert config["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Enforce"}
    assert config["LastModified"]

    updated = client.update_code_signing_config(CodeSigningConfigArn=arn, CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"})
    assert status(updated) == 200 and updated["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    assert client.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"] == updated["CodeSigningConfig"]
    unchanged = client.update_code_signing_config(CodeSigningConfigArn=arn)  # update_csc_noupdate_response
    assert unchanged["CodeSigningConfig"] == updated["CodeSigningConfig"]

    name = create_function(client)
    put = client.put_function_code_signing_config(CodeSigningConfigArn=arn, FunctionName=name)
    assert status(put) == 200 and (put["CodeSigningConfigArn"], put["FunctionName"]) == (arn, name)
    got = client.get_function_code_signing_config(FunctionName=name)
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (arn, name)
    assert arn in [c["CodeSigningConfigArn"] for c in client.list_code_signing_configs()["CodeSigningConfigs"]]
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    ]
    assert status(client.delete_function_code_signing_config(FunctionName=name)) == 204
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == []
    assert status(client.delete_code_signing_config(CodeSigningConfigArn=arn)) == 204
    assert error(client.get_code_signing_config, CodeSigningConfigArn=arn)[0] == "ResourceNotFoundException"


def test_code_signing_not_found_errors(client):
    assert error(client.delete_code_signing_config, CodeSigningConfigArn=MISSING) == CSC_NOT_FOUND
    assert error(client.get_code_signing_config, CodeSigningConfigArn=MISSING) == CSC_NOT_FOUND
    assert error(client.update_code_signing_config, CodeSigningConfigArn=MISSING, Description="x") == CSC_NOT_FOUND
    assert error(client.list_functions_by_code_signing_config, CodeSigningConfigArn=MISSING) == CSC_NOT_FOUND
    assert error(client.delete_function_code_signing_config, FunctionName="csc-test-doesnotexist") == FN_NOT_FOUND
    assert error(client.get_function_code_signing_config, FunctionName="csc-test-doesnotexist") == FN_NOT_FOUND
    missing_csc = (
        "CodeSigningConfigNotFoundException",
        f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {MISSING}.",
        404,
    )
    # put_function_csc_invalid_csc_arn and put_function_csc_invalid_both: the config is checked first.
    name = create_function(client)
    assert error(client.put_function_code_signing_config, CodeSigningConfigArn=MISSING, FunctionName=name) == missing_csc
    assert error(client.put_function_code_signing_config, CodeSigningConfigArn=MISSING, FunctionName="csc-test-doesnotexist") == missing_csc
    arn = client.create_code_signing_config(AllowedPublishers=PUBLISHERS)["CodeSigningConfig"]["CodeSigningConfigArn"]
    assert error(client.put_function_code_signing_config, CodeSigningConfigArn=arn, FunctionName="csc-test-doesnotexist") == FN_NOT_FOUND
    # get_function_csc_fnwithoutcsc / nothing_to_delete_response / list_functions_by_csc_fnwithoutcsc
    without = client.get_function_code_signing_config(FunctionName=name)
    assert status(without) == 200 and "CodeSigningConfigArn" not in without
    assert status(client.delete_function_code_signing_config(FunctionName=name)) == 204
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == []


def test_default_policy_is_warn_and_list_pages(client):
    arns = [
        client.create_code_signing_config(AllowedPublishers=PUBLISHERS)["CodeSigningConfig"]
        for _ in range(3)
    ]
    assert all(c["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"} and c["Description"] == "" for c in arns)
    seen, marker = [], None
    while True:
        page = client.list_code_signing_configs(MaxItems=1, **({"Marker": marker} if marker else {}))
        seen += [c["CodeSigningConfigArn"] for c in page["CodeSigningConfigs"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert {c["CodeSigningConfigArn"] for c in arns} <= set(seen) and len(seen) == len(set(seen))


def test_create_function_checks_its_code_signing_config(client):
    # CodeSigningConfigNotFoundException is in CreateFunction's model errors; the message is the one
    # AWS gives PutFunctionCodeSigningConfig for a missing config (put_function_csc_invalid_csc_arn).
    missing_csc = (
        "CodeSigningConfigNotFoundException",
        f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {MISSING}.",
        404,
    )
    name = f"csc-test-{uuid.uuid4().hex[:10]}"
    assert error(create_function, client=client, name=name, CodeSigningConfigArn=MISSING) == missing_csc
    assert error(client.get_function, FunctionName=name)[0] == "ResourceNotFoundException"
    arn = client.create_code_signing_config(AllowedPublishers=PUBLISHERS)["CodeSigningConfig"]["CodeSigningConfigArn"]
    create_function(client, name=name, CodeSigningConfigArn=arn)
    assert client.get_function_code_signing_config(FunctionName=name)["CodeSigningConfigArn"] == arn
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    ]


def test_create_code_signing_config_tag_limit(client):
    # The 50-tag limit TagResource enforces (TestLambdaTags::test_tag_limits) holds on create too.
    assert error(
        client.create_code_signing_config, AllowedPublishers=PUBLISHERS, Tags={f"{i}_key": f"{i}_value" for i in range(51)}
    ) == ("InvalidParameterValueException", "Number of tags exceeds resource tag limit.", 400)
    fifty = {f"{i}_key": f"{i}_value" for i in range(50)}
    arn = client.create_code_signing_config(AllowedPublishers=PUBLISHERS, Tags=fifty)["CodeSigningConfig"]["CodeSigningConfigArn"]
    assert client.list_tags(Resource=arn)["Tags"] == fifty
