"""Bad input against a real gateway process: every mistake gets a 4xx AWS error
for its protocol, never a 5xx or a traceback, and the gateway keeps serving.

The Lambda cases target the parser and the validator (they answer before the
provider is called); expected validation messages are AWS's own, as recorded in
LocalStack's snapshot file tests/aws/services/lambda_/test_lambda_api.snapshot.json
(snapshot keys named per case). The companion services are moto-backed raw providers:
their requests are checked against the model too (each service's validation
code), and what moto raises for a well-formed request becomes a 4xx (a
not-found error where the model lists one); both are checked here with the
cases an audit found answering 500.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Optional
from xml.etree import ElementTree

import pytest
import requests
from botocore.exceptions import ClientError

LAMBDA_AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# What AWS Lambda answers for an unparsable body is InvalidRequestContentException
# ("Could not parse request body into json: ..."); the generic rest-json answer is
# SerializationException. Either is a well-formed 4xx the SDKs understand.
BODY_ERRORS = {"InvalidRequestContentException", "SerializationException"}


# -- helpers ------------------------------------------------------------------------------


def lambda_request(url: str, method: str, path: str, body: Optional[bytes] = None, **headers) -> requests.Response:
    all_headers = {"Authorization": LAMBDA_AUTH, "Content-Type": "application/json", **headers}
    return requests.request(method, url + path, data=body, headers=all_headers, timeout=30)


def assert_json_error(response: requests.Response, status: Optional[int] = None, codes=None) -> dict:
    """A rest-json/json AWS error: 4xx, ``x-amzn-ErrorType``, a JSON object body."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if status is not None:
        assert response.status_code == status, response.text[:500]
    code = response.headers.get("x-amzn-ErrorType", "").split(":")[0]
    assert code, dict(response.headers)
    body = response.json()
    assert isinstance(body, dict), body
    assert "Traceback" not in response.text
    if codes is not None:
        assert code in codes, (code, body)
    return {"code": code, "message": body.get("message", body.get("Message")), "body": body}


def assert_xml_error(response: requests.Response) -> ElementTree.Element:
    """A query/rest-xml AWS error: 4xx and an XML document naming a Code."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    root = ElementTree.fromstring(response.content)
    assert root.find(".//{*}Code") is not None, response.text[:500]  # AWS's query errors carry an xmlns
    assert "Traceback" not in response.text
    return root


def raw_exchange(url: str, data: bytes, *, shutdown_write: bool = False, timeout: float = 10.0) -> bytes:
    """Send raw bytes, return everything the gateway answers until it closes
    (or stops talking for a moment after a complete response)."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        if shutdown_write:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            sock.settimeout(1.0)  # a response arrived; wait briefly for more
        return b"".join(chunks)


def status_of(raw: bytes) -> Optional[int]:
    if not raw:
        return None
    line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    assert parts[0].startswith("HTTP/1."), line
    return int(parts[1])


@pytest.fixture(autouse=True)
def keeps_serving(gateway_url):
    """After every case the gateway still answers its health check and a real request."""
    yield
    health = requests.get(gateway_url + "/_gateway/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["services"]
    listed = lambda_request(gateway_url, "GET", "/2015-03-31/functions?FunctionVersion=nope")
    assert assert_json_error(listed, 400)["code"] == "ValidationException"


@pytest.fixture
def lambda_client(aws_client):
    return aws_client("lambda", parameter_validation=False)


# -- malformed bodies and wrong types -----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"FunctionName": "f",}',
        b'{"FunctionName": "f"',
        b"[1, 2, 3]",
        b'"a string"',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
        b'{"FunctionName": "\\ud800"}' + b" " * 3,
        b"\x00" * 64,
    ],
    ids=["syntax", "trailing-comma", "truncated", "array", "string", "binary", "deep", "lone-surrogate", "nul"],
)
def test_malformed_json_body(gateway_url, body):
    response = lambda_request(gateway_url, "POST", "/2015-03-31/functions", body)
    error = assert_json_error(response, 400)
    if error["code"] != "ValidationException":  # a lone surrogate is valid JSON text
        assert error["code"] in BODY_ERRORS


@pytest.mark.parametrize(
    "member, value",
    [
        ("MemorySize", "big"),
        ("MemorySize", 1.5),
        ("MemorySize", 2**80),
        ("Timeout", True),
        ("Publish", "yes"),
        ("FunctionName", 123),
        ("Architectures", "x86_64"),
        ("Tags", ["a", "b"]),
        ("Code", "zip"),
        ("Code", {"ZipFile": "not base64!"}),
        ("Environment", {"Variables": {"KEY": {"nested": 1}}}),
        ("VpcConfig", {"SubnetIds": [1, 2]}),
    ],
)
def test_wrong_member_types(gateway_url, member, value):
    params = {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}
    params[member] = value
    response = lambda_request(gateway_url, "POST", "/2015-03-31/functions", json.dumps(params).encode())
    assert_json_error(response, 400, BODY_ERRORS)


def test_wrong_types_in_the_query_string(gateway_url):
    for query in ("MaxItems=abc", "MaxItems=99999999999999999999", "MaxItems=1.5"):
        response = lambda_request(gateway_url, "GET", f"/2015-03-31/functions?{query}")
        assert_json_error(response, 400, BODY_ERRORS | {"ValidationException"})
    response = lambda_request(gateway_url, "GET", "/2015-03-31/functions?MaxItems=0")
    error = assert_json_error(response, 400, {"ValidationException"})
    assert error["message"] == (
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


# -- validation (ValidationException, AWS's words) -------------------------------------


def test_missing_required_members(gateway_url):
    response = lambda_request(gateway_url, "POST", "/2015-03-31/functions", b"{}")
    error = assert_json_error(response, 400, {"ValidationException"})
    assert error["message"] == (
        "3 validation errors detected: "
        "Value null at 'functionName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'role' failed to satisfy constraint: Member must not be null; "
        "Value null at 'code' failed to satisfy constraint: Member must not be null"
    )
    # test_tag_exceptions: untag_empty_keys (a required query-string member)
    response = lambda_request(
        gateway_url, "DELETE", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af"
    )
    error = assert_json_error(response, 400, {"ValidationException"})
    assert error["message"] == (
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    "call, params, message",
    [
        (  # test_create_lambda_exceptions: invalid_role_arn_exc
            "create_function",
            {"FunctionName": "f", "Role": "r1", "Code": {"ZipFile": b"zip"}},
            "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ),
        (  # test_create_lambda_exceptions: uppercase_architecture
            "create_function",
            {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"zip"}, "Architectures": ["X86_64"]},
            "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], "
            "Member must not be null]",
        ),
        (  # test_create_lambda_exceptions: multiple_architectures
            "create_function",
            {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"zip"}, "Architectures": ["x86_64", "arm64"]},
            "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy "
            "constraint: Member must have length less than or equal to 1",
        ),
        (  # test_list_functions: list_functions_invalid_functionversion
            "list_functions",
            {"FunctionVersion": "invalid"},
            "1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ALL]",
        ),
        (  # test_alias_naming: create_alias_number_exception
            "create_alias",
            {"FunctionName": "f", "Name": "2024", "FunctionVersion": "1"},
            "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ),
        (  # test_notfound_and_invalid_routingconfigs: routing_config_exc_toohigh
            "create_alias",
            {"FunctionName": "f", "Name": "a", "FunctionVersion": "1",
             "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}}},
            "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed "
            "to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or "
            "equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
        ),
        (  # test_provisioned_concurrency_exceptions: put_provisioned_invalid_param_0
            "put_provisioned_concurrency_config",
            {"FunctionName": "f", "Qualifier": "alias", "ProvisionedConcurrentExecutions": 0},
            "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        ),
        (  # test_permission_exceptions: add_permission_invalid_statement_id
            "add_permission",
            {"FunctionName": "f", "StatementId": "example.com", "Action": "lambda:InvokeFunction",
             "Principal": "s3.amazonaws.com"},
            "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
        ),
        (  # test_snapstart_exceptions: create_function_invalid_snapstart_apply
            "create_function",
            {"FunctionName": "f", "Role": ROLE, "Code": {"ZipFile": b"zip"}, "SnapStart": {"ApplyOn": "invalidOption"}},
            "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy "
            "constraint: Member must satisfy enum value set: [PublishedVersions, None]",
        ),
    ],
)
def test_constraint_violations_through_boto3(lambda_client, call, params, message):
    with pytest.raises(ClientError) as caught:
        getattr(lambda_client, call)(**params)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == message


def test_several_violations_are_joined(lambda_client):
    with pytest.raises(ClientError) as caught:
        lambda_client.create_function(FunctionName="f", Role="r1", Code={"ZipFile": b"zip"}, MemorySize=1, Timeout=0)
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected: Value 'r1' at 'role' failed to satisfy constraint")
    assert "; Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; " in message
    assert message.endswith(
        "Value '1' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
    )


def test_uri_and_header_members_are_validated(gateway_url):
    long_name = "f" * 300
    response = lambda_request(gateway_url, "GET", f"/2015-03-31/functions/{long_name}/configuration")
    error = assert_json_error(response, 400, {"ValidationException"})
    assert f"Value '{long_name}' at 'functionName' failed to satisfy constraint: Member must have length" in error["message"]
    # test_invalid_invoke: invoke_function_name_pattern_exc (the pattern text is the model's)
    response = lambda_request(gateway_url, "POST", "/2015-03-31/functions/a%40b/invocations", b"{}")
    error = assert_json_error(response, 400, {"ValidationException"})
    assert error["message"].startswith(
        "1 validation error detected: Value 'a@b' at 'functionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
    )
    response = lambda_request(
        gateway_url, "POST", "/2015-03-31/functions/f/invocations", b"{}", **{"X-Amz-Log-Type": "Everything"}
    )
    error = assert_json_error(response, 400, {"ValidationException"})
    assert error["message"] == (
        "1 validation error detected: Value 'Everything' at 'logType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [None, Tail]"
    )


# -- routing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/2015-03-31/nope"),
        ("GET", "/2015-03-31/"),
        ("PATCH", "/2015-03-31/functions/f"),
        ("DELETE", "/2015-03-31/functions"),
        ("GET", "/2015-03-31/functions/f/configuration/extra/segments"),
        ("GET", "/2015-03-31/functions/%ZZ%/configuration"),
        ("GET", "/2015-03-31/functions/%ff%fe/configuration"),
        ("POST", "/2099-01-01/functions"),
    ],
)
def test_unknown_paths_and_methods(gateway_url, method, path):
    response = lambda_request(gateway_url, method, path, b"{}")
    assert_json_error(response)


@pytest.mark.parametrize(
    "service, target",
    [
        ("dynamodb", "DynamoDB_20120810.NoSuchOperation"),
        ("sqs", "AmazonSQS.NoSuchOperation"),
        pytest.param("dynamodb", ""),
        pytest.param("dynamodb", "NotAPrefix.ListTables"),
    ],
)
def test_unknown_target_for_a_json_service(gateway_url, service, target):
    response = requests.post(
        gateway_url + "/",
        data=b"{}",
        headers={
            "Authorization": LAMBDA_AUTH.replace("/lambda/", f"/{service}/"),
            "X-Amz-Target": target,
            "Content-Type": "application/x-amz-json-1.0",
        },
        timeout=30,
    )
    assert_json_error(response)


@pytest.mark.parametrize(
    "body",
    [
        b"Action=NoSuchAction&Version=2011-06-15",
        pytest.param(b"Version=2011-06-15"),
        pytest.param(b"\xff\xfe%%%=&&=="),
        pytest.param(
            b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=s"
            b"&DurationSeconds=abc",
        ),
    ],
    ids=["unknown-action", "no-action", "garbage", "bad-integer"],
)
def test_bad_query_requests(gateway_url, body):
    response = requests.post(
        gateway_url + "/",
        data=body,
        headers={"Authorization": LAMBDA_AUTH.replace("/lambda/", "/sts/"),
                 "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert_xml_error(response)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<CreateBucketConfiguration><LocationConstraint>"),
        pytest.param(b"not xml at all"),
        pytest.param(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"),
    ],
    ids=["truncated", "not-xml", "entities"],
)
def test_malformed_xml_body_for_a_rest_xml_service(gateway_url, body):
    response = requests.put(
        f"{gateway_url}/bad-input-bucket",
        data=body,
        headers={"Authorization": LAMBDA_AUTH.replace("/lambda/", "/s3/")},
        timeout=30,
    )
    assert_xml_error(response)


# -- companion services: checked against the model, moto's failures mapped -------------------

EXPORT_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01234567890123-abcdefgh"


@pytest.mark.parametrize(
    "service, call, params, status, code, text",
    [
        # The model's constraints, in AWS's words, before moto sees the request.
        ("kinesis", "describe_stream", {"StreamName": "x", "StreamARN": "x"}, 400, "ValidationException",
         "Value 'x' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern"),
        ("iam", "get_role", {"RoleName": "bad name"}, 400, "ValidationError",
         "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint"),
        ("sts", "assume_role", {"RoleArn": "x", "RoleSessionName": "session"}, 400, "ValidationError",
         "Value 'x' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"),
        ("logs", "create_log_group", {"logGroupName": ""}, 400, "InvalidParameterException",
         "Member must have length greater than or equal to 1"),
        ("dynamodb", "list_tables", {"Limit": 0}, 400, "ValidationException",
         "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("sqs", "create_queue", {}, 400, "MissingParameter", "The request must contain the parameter QueueName."),
        ("sns", "publish", {"Message": "m"}, 400, "InvalidParameter", "TopicArn or TargetArn"),
        ("kinesis", "create_stream", {"StreamName": "huge", "ShardCount": 2**31 - 1}, 400, "LimitExceededException",
         "shard limit"),
        # Valid requests for resources that do not exist: the modelled not-found error, in AWS's words.
        ("logs", "get_query_results", {"queryId": "nope"}, 400, "ResourceNotFoundException",
         "The specified query does not exist."),
        ("dynamodbstreams", "get_records", {"ShardIterator": "x" * 100}, 400, "ValidationException",
         "Invalid ShardIterator"),
        ("events", "describe_event_source", {"Name": "aws.partner/x/y"}, 400, "ResourceNotFoundException",
         "Event source aws.partner/x/y does not exist."),
        ("dynamodb", "describe_export", {"ExportArn": EXPORT_ARN}, 400, "ExportNotFoundException",
         f"Export not found: {EXPORT_ARN}"),
        ("kinesis", "list_stream_consumers", {"StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/none"},
         400, "ResourceNotFoundException", "Stream none under account 000000000000 not found."),
        # Values moto cannot use: a 400 that does not leak Python's words.
        ("dynamodb", "execute_statement", {"Statement": "SELEC nonsense"}, 400, "ValidationException",
         "Statement wasn't well formed"),
        ("sns", "list_topics", {"NextToken": "not-a-token"}, 400, "InvalidParameter", "Invalid parameter: NextToken"),
        ("s3", "create_bucket", {"Bucket": "acl-bucket", "ACL": "nonsense"}, 400, "InvalidArgument", "canned ACL"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.islower() and "_" in value else None,
)
def test_companion_client_mistakes_are_4xx(aws_client, service, call, params, status, code, text):
    client = aws_client(service, parameter_validation=False)
    with pytest.raises(ClientError) as caught:
        getattr(client, call)(**params)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    assert response["Error"]["Code"] == code, response
    assert text in response["Error"]["Message"], response
    assert "NoneType" not in response["Error"]["Message"] and "Traceback" not in response["Error"]["Message"]


def test_companion_parse_errors_use_the_protocol(gateway_url):
    """A document the model's parser cannot read never reaches moto."""
    response = requests.post(
        gateway_url + "/",
        data=b'{"StreamName": ["not", "a", "string"]}',
        headers={"Authorization": LAMBDA_AUTH.replace("/lambda/", "/kinesis/"),
                 "X-Amz-Target": "Kinesis_20131202.DescribeStream",
                 "Content-Type": "application/x-amz-json-1.1"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert response.json()["__type"] == "SerializationException"  # json protocol: the code is in the body
    response = requests.post(
        gateway_url + "/",
        data=b"Action=ListRoles&Version=2010-05-08&MaxItems=many",
        headers={"Authorization": LAMBDA_AUTH.replace("/lambda/", "/iam/"),
                 "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert assert_xml_error(response).find(".//{*}Code").text == "InvalidParameterValue"


def test_companion_errors_echoing_control_characters_stay_well_formed_xml(aws_client):
    iam = aws_client("iam", parameter_validation=False)
    with pytest.raises(ClientError) as caught:  # botocore parses the XML, or raises otherwise
        iam.get_role(RoleName="bad\x01name")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "bad\ufffdname" in caught.value.response["Error"]["Message"]


# -- HTTP framing: sizes, headers, encodings ----------------------------------------------


def _head(path: str = "/2015-03-31/functions", method: str = "POST", extra: str = "") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {LAMBDA_AUTH}\r\n"
        f"Content-Type: application/json\r\n{extra}"
    ).encode("latin-1")


def test_oversized_body_is_refused_without_reading_it(gateway_url):
    limit = 100 * 1024 * 1024  # GATEWAY_MAX_BODY_BYTES default
    started = time.monotonic()
    raw = raw_exchange(gateway_url, _head(extra=f"Content-Length: {limit + 1}\r\n\r\n") + b"{")
    assert status_of(raw) == 413
    assert time.monotonic() - started < 5
    raw = raw_exchange(gateway_url, _head(extra="Transfer-Encoding: chunked\r\n\r\n") + b"fffffffff\r\n{")
    assert status_of(raw) == 413


@pytest.mark.parametrize(
    "request_bytes, statuses",
    [
        (b"GARBAGE\r\n\r\n", {400}),
        (b"GET /2015-03-31/functions HTTP/1.1 extra\r\n\r\n", {400}),
        (_head(extra="this line has no colon\r\n\r\n"), {400}),
        (_head(extra=": no name\r\n\r\n"), {400}),
        (_head(extra="X-Huge: " + "a" * 70_000 + "\r\n\r\n"), {400, 431}),
        (_head(extra="".join(f"X-H{i}: v\r\n" for i in range(300)) + "\r\n"), {400, 431}),
        (_head(extra="Content-Length: abc\r\n\r\n"), {400}),
        (_head(extra="Content-Length: -1\r\n\r\n"), {400}),
        (_head(extra="Content-Length: 1e3\r\n\r\n"), {400}),
        (_head(extra="Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"), {400}),
        (_head(extra="Transfer-Encoding: chunked\r\n\r\n-5\r\n{}\r\n0\r\n\r\n"), {400}),
        ("GET /2015-03-31/functions/fé/configuration HTTP/1.1\r\nHost: x\r\n\r\n".encode("utf-8"), None),
    ],
    ids=["request-line", "request-line-parts", "no-colon", "no-name", "huge-header", "many-headers",
         "length-text", "length-negative", "length-float", "chunk-size-text", "chunk-size-negative", "utf8-path"],
)
def test_garbage_http(gateway_url, request_bytes, statuses):
    raw = raw_exchange(gateway_url, request_bytes, timeout=10)
    status = status_of(raw)
    assert status is not None, "no answer"
    assert status < 500, raw[:500]
    if statuses is not None:
        assert status in statuses, raw[:500]
    assert b"Traceback" not in raw


def test_non_ascii_and_odd_headers_are_tolerated(gateway_url):
    raw = raw_exchange(
        gateway_url,
        b"GET /2015-03-31/functions?FunctionVersion=nope HTTP/1.1\r\nHost: localhost\r\n"
        b"Authorization: " + LAMBDA_AUTH.encode() + b"\r\n"
        b"X-Utf8: \xc3\xa9\xe2\x82\xac\r\nX-Latin1: \xe9\xff\r\nX-Ctl: a\x01b\r\nX-Empty:\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert status_of(raw) == 400
    assert b"ValidationException" in raw
    # a modeled header with a non-ASCII value: validated like any member
    raw = raw_exchange(
        gateway_url,
        b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: localhost\r\n"
        b"Authorization: " + LAMBDA_AUTH.encode() + b"\r\n"
        b"X-Amz-Invocation-Type: \xc3\xa9v\xc3\xa9nement\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    )
    assert status_of(raw) == 400
    assert b"ValidationException" in raw and b"invocationType" in raw


def test_truncated_body(gateway_url):
    # The client promises 100 bytes, sends 10 and stops writing: no 5xx, no hang.
    raw = raw_exchange(gateway_url, _head(extra="Content-Length: 100\r\n\r\n") + b'{"Functi', shutdown_write=True)
    status = status_of(raw)
    assert status is None or 400 <= status < 500, raw[:300]
    # Truncated chunked body.
    raw = raw_exchange(gateway_url, _head(extra="Transfer-Encoding: chunked\r\n\r\n") + b"20\r\n{\"Fu", shutdown_write=True)
    status = status_of(raw)
    assert status is None or 400 <= status < 500, raw[:300]


def test_keep_alive_connection_survives_errors(gateway_url):
    """Several bad requests on one keep-alive connection, each answered in turn."""
    bad = _head(extra="Content-Length: 9\r\n\r\n") + b"{not json"
    invalid = _head(path="/2015-03-31/functions?FunctionVersion=x", method="GET", extra="Content-Length: 0\r\n\r\n")
    raw = raw_exchange(gateway_url, bad + invalid + bad, timeout=10)
    assert raw.count(b"HTTP/1.1 400 ") == 3, raw[:1000]
