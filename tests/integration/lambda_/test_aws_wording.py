"""Validation messages worded as AWS prints them (specs/validation/lambda.json:
``enumOrder``, ``patterns``), seen through boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from concurrent.futures import ThreadPoolExecutor

from .conftest import client_for, create_function, python_zip, unique


@pytest.fixture
def function(aws_client) -> str:
    return create_function(aws_client("lambda"), name=unique("wording"))


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return response


def test_enum_values_in_aws_order(aws_client, function):
    # AWS's order, as issue 11 quotes it from recorded responses: [RESPONSE_STREAM, BUFFERED], [Terminate, Allow].
    client = aws_client("lambda")
    response = error_of(client.create_function_url_config, FunctionName=function, AuthType="NONE", InvokeMode="BAD")
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'BAD' at 'invokeMode' failed to satisfy constraint: "
                   "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
    }
    response = error_of(client.put_function_recursion_config, FunctionName=function, RecursiveLoop="BAD")
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value 'BAD' at 'recursiveLoop' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Terminate, Allow]"
    )


def test_destination_arn_pattern_as_aws_prints_it(aws_client, function):
    # test_lambda_api.snapshot.json, TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions,
    # put_destination_invalid_arn_pattern (a ValidationException without Type).
    client = aws_client("lambda")
    bad = f"arn:aws:_-/!lambda:us-east-1:000000000000:function:{function}"
    response = error_of(client.put_function_event_invoke_config, FunctionName=function,
                        DestinationConfig={"OnFailure": {"Destination": bad}})
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": f"1 validation error detected: Value '{bad}' at 'destinationConfig.onFailure.destination' "
                   "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                   r"^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1})?:"
                   r"(\d{12})?:(.*)",
    }
    assert "Type" not in response


def test_taggable_resource_pattern_as_aws_prints_it(aws_client):
    # test_lambda_api.snapshot.json, TestLambdaTags::test_tag_exceptions, tag_lambda_invalidarn.
    response = error_of(aws_client("lambda").tag_resource, Resource="arn:aws:something", Tags={"a": "b"})
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: "
                   r"Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|"
                   r"(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|"
                   r"layer:[a-zA-Z0-9-_]+)",
    }


def test_errors_aws_sends_without_type(aws_client, function):
    # test_lambda_api.snapshot.json, TestCodeSigningConfig::test_code_signing_not_found_excs (get_csc_invalid):
    # no "Type"; TestLambdaAlias::test_notfound_and_invalid_routingconfigs (target_version_exc_version_latest):
    # no "Type"; a plain not-found (test_ops_on_nonexisting_fn) keeps "Type": "User".
    client = aws_client("lambda")
    arn = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"
    response = error_of_status(client.get_code_signing_config, 404, CodeSigningConfigArn=arn)
    assert response["Error"] == {"Code": "ResourceNotFoundException",
                                 "Message": f"The Lambda code signing configuration {arn} can not be found."}
    assert "Type" not in response
    client.publish_version(FunctionName=function)
    response = error_of(client.create_alias, FunctionName=function, Name="live", FunctionVersion="$LATEST",
                        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    assert response["Error"]["Message"] == "$LATEST is not supported for an alias pointing to more than 1 version"
    assert "Type" not in response
    response = error_of_status(client.get_function, 404, FunctionName=unique("missing"))
    assert response["Type"] == "User"


def error_of_status(call, status: int, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    return raised.value.response


def test_get_function_concurrency_names_a_missing_function_unqualified(aws_client):
    # test_lambda_api.snapshot.json, TestLambdaFunction::test_ops_on_nonexisting_fn[get_function_concurrency]:
    # "Function not found: arn:aws:lambda:<region>:<account>:function:<name>" (no ":$LATEST"), Type User.
    name = unique("missing")
    response = error_of_status(aws_client("lambda").get_function_concurrency, 404, FunctionName=name)
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:")
    assert response["Error"]["Message"].endswith(f":function:{name}")
    assert response["Type"] == "User"


def test_starting_position_enum_in_aws_order(aws_client, function):
    # event_source_mapping/test_api.snapshot.json, TestLambdaEventSourceMappings::
    # test_create_starting_position_validation_exceptions[sqs] (and [kinesis], [dynamodb]),
    # create_invalid_starting_position_param: checked before the source, no Type.
    response = error_of(aws_client("lambda").create_event_source_mapping, FunctionName=function,
                        EventSourceArn="arn:aws:sqs:us-east-1:000000000000:wording-queue", StartingPosition="0")
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value '0' at 'startingPosition' failed to satisfy constraint: "
                   "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
    }
    assert "Type" not in response


LAYER = "arn:aws:lambda:us-east-1:000000000000:layer:wording-layer"


def test_layer_arn_patterns_as_aws_prints_them_per_operation(aws_client):
    # One model shape (LayerVersionArn), two printed forms. test_lambda_api.snapshot.json, TestLambdaLayer::
    # test_layer_exceptions get_layer_version_by_arn_exc_invalidarn, and ::test_layer_function_exceptions
    # add_layer_arn_without_version_exc (whose "length less than or equal to 140" is the 2023 maximum; the
    # model's, checked and printed here, is 2048).
    client = aws_client("lambda")
    response = error_of(client.get_layer_version_by_arn, Arn=LAYER)
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": f"1 validation error detected: Value '{LAYER}' at 'arn' failed to satisfy constraint: "
                   r"Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|"
                   r"(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
    }
    response = error_of(client.create_function, FunctionName=unique("wording"), Runtime="python3.12",
                        Role="arn:aws:iam::000000000000:role/r", Handler="index.handler",
                        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Layers=[LAYER])
    message = response["Error"]["Message"]
    assert message.startswith(f"1 validation error detected: Value '[{LAYER}]' at 'layers' failed to satisfy "
                              "constraint: Member must satisfy constraint: [Member must have length less than or equal")
    assert message.endswith(
        r"Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:"
        r"[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]"
    )


def test_create_function_name_pattern_as_aws_prints_it(aws_client):
    # test_lambda_api.snapshot.json, TestLambdaFunction::test_function_arns, invalid_function_name_exc.
    response = error_of(aws_client("lambda").create_function, FunctionName="invalid:function:name",
                        Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r", Handler="index.handler",
                        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    assert response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'invalid:function:name' at 'functionName' failed to satisfy "
                   r"constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?"
                   r"([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
                   r"(:(\$LATEST|[a-zA-Z0-9-_]+))?",
    }


def test_the_account_limit_throttle_carries_type_user(special_gateway):
    # The account-wide limit (Reason ConcurrentInvocationLimitExceeded) answers like the function's reserved
    # one (test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency): 429, "Type": "User",
    # "message": "Rate Exceeded.", no Retry-After. No snapshot records the account limit; AWS's body for it,
    # as users quote it from their throttled accounts: {"Reason":"ConcurrentInvocationLimitExceeded",
    # "Type":"User","message":"Rate Exceeded."}.
    client = client_for(special_gateway(LAMBDA_LIMITS_CONCURRENT_EXECUTIONS="1").url, max_pool_connections=4)
    code = "import time\n\ndef handler(event, context):\n    time.sleep(2)\n    return 'done'\n"
    name = create_function(client, zip_bytes=python_zip(code))

    def invoke(_: int) -> dict:
        try:
            response = client.invoke(FunctionName=name, Payload=b"{}")
            return {"status": response["StatusCode"]}
        except ClientError as error:
            return error.response

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(invoke, range(2)))
    throttled = [outcome for outcome in outcomes if "status" not in outcome]
    assert [outcome for outcome in outcomes if "status" in outcome] == [{"status": 200}]
    (response,) = throttled
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
    assert (response["Reason"], response["Type"], response["message"]) == (
        "ConcurrentInvocationLimitExceeded", "User", "Rate Exceeded.")
    assert "retry-after" not in response["ResponseMetadata"]["HTTPHeaders"]


def test_not_found_texts_per_kind_and_qualifier(aws_client, function):
    # test_lambda_api.snapshot.json: TestLambdaFunction::test_ops_on_nonexisting_fn, ::test_ops_on_nonexisting_version,
    # ::test_delete_on_nonexisting_version; TestLambdaReservedConcurrency::test_function_concurrency_exceptions;
    # TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions (961553a); TestLambdaAlias::
    # test_notfound_and_invalid_routingconfigs; TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions;
    # TestLambdaUrl::test_url_config_list_paging; TestLambdaEventSourceMappings::test_event_source_mapping_exceptions;
    # TestCodeSigningConfig::test_code_signing_not_found_excs. test_lambda.snapshot.json:
    # TestLambdaFeatures::test_invoke_exceptions (recorded 24-11-2025: Invoke names ':$LATEST').
    client = aws_client("lambda")
    arn = "arn:aws:lambda:us-east-1:000000000000:function:"
    missing = unique("missing")
    csc = "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0"
    esm = "The resource you requested does not exist."
    cases = [
        (client.get_function, {"FunctionName": missing}, f"Function not found: {arn}{missing}", "User"),
        (client.delete_function, {"FunctionName": missing, "Qualifier": "1"}, f"Function not found: {arn}{missing}",
         "User"),
        (client.invoke, {"FunctionName": missing}, f"Function not found: {arn}{missing}:$LATEST", "User"),
        (client.put_function_concurrency, {"FunctionName": missing, "ReservedConcurrentExecutions": 1},
         f"Function not found: {arn}{missing}:$LATEST", "User"),
        (client.get_function, {"FunctionName": function, "Qualifier": "1221"},
         f"Function not found: {arn}{function}:1221", "User"),
        (client.list_provisioned_concurrency_configs, {"FunctionName": missing}, f"Function not found: {arn}{missing}",
         "User"),
        (client.delete_provisioned_concurrency_config, {"FunctionName": missing, "Qualifier": "1"},
         f"Function not found: {arn}{missing}:1", "User"),
        (client.get_alias, {"FunctionName": function, "Name": "non-existent"},
         f"Cannot find alias arn: {arn}{function}:non-existent", "User"),
        (client.get_function_event_invoke_config, {"FunctionName": missing},
         f"The function {arn}{missing}:$LATEST doesn't have an EventInvokeConfig", "User"),
        (client.list_function_url_configs, {"FunctionName": missing}, "Function does not exist", "User"),
        (client.get_event_source_mapping, {"UUID": "11111111-2222-3333-4444-555555555555"}, esm, "User"),
        (client.delete_event_source_mapping, {"UUID": "11111111-2222-3333-4444-555555555555"}, esm, "User"),
        (client.list_tags, {"Resource": "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:"
                                        "11111111-2222-3333-4444-555555555555"}, esm, "User"),
        (client.get_code_signing_config, {"CodeSigningConfigArn": csc},
         f"The Lambda code signing configuration {csc} can not be found.", None),
        (client.delete_code_signing_config, {"CodeSigningConfigArn": csc},
         f"The Lambda code signing configuration {csc} can not be found.", None),
        (client.get_function_code_signing_config, {"FunctionName": missing}, f"Function not found: {arn}{missing}",
         "User"),
    ]
    for call, params, message, error_type in cases:
        response = error_of_status(call, 404, **params)
        assert response["Error"] == {"Code": "ResourceNotFoundException", "Message": message}, call
        assert response.get("Type") == error_type, call
    response = error_of_status(client.put_function_code_signing_config, 404, FunctionName=function,
                               CodeSigningConfigArn=csc)
    assert response["Error"] == {
        "Code": "CodeSigningConfigNotFoundException",
        "Message": f"The code signing configuration cannot be found. Check that the provided configuration is not "
                   f"deleted: {csc}.",
    }
    assert response["Type"] == "User"
