"""Invoke through boto3: invocation types, qualifiers, weighted aliases,
``LogType: Tail``, ``ClientContext``, payload limits, a ``provided.al2023``
bash bootstrap.

AWS facts used here: the Invoke API reference
(https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html: 200 / 202 / 204,
X-Amz-Executed-Version, LogResult = the last 4 KB of the log, base64), the log
lines of https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
(START / END / REPORT, Init Duration only on a cold start), and the quotas page
(6 MB synchronous request and response).
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from .conftest import (
    create_function,
    headers,
    invoke_json,
    python_zip,
    wait_active,
    wait_updated,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REPORT = re.compile(
    rf"^REPORT RequestId: (?P<id>{UUID})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB\t(?P<init>Init Duration: \d+\.\d\d ms\t)?$"
)


def tail_lines(response: dict) -> list[str]:
    return base64.b64decode(response["LogResult"]).decode().splitlines()


@pytest.mark.parametrize("kind", ["python", "node"])
def test_request_response(lambda_client, echo_functions, kind):
    name = echo_functions[kind]
    response, payload = invoke_json(lambda_client, name, {"hello": "world", "n": [1, 2]})
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response and "LogResult" not in response
    assert headers(response)["x-amz-executed-version"] == "$LATEST"
    assert payload["event"] == {"hello": "world", "n": [1, 2]}
    assert payload["function_name"] == name
    assert payload["function_version"] == "$LATEST"
    assert payload["invoked_function_arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert 0 < payload["remaining_ms"] <= 5000
    assert re.fullmatch(UUID, payload["request_id"])
    assert headers(response)["x-amzn-requestid"] == payload["request_id"]


def test_empty_payload_is_an_empty_object(lambda_client, echo_functions):
    response = lambda_client.invoke(FunctionName=echo_functions["python"])
    assert json.loads(response["Payload"].read())["event"] == {}


@pytest.mark.parametrize("kind", ["python", "node"])
def test_event_and_dry_run(lambda_client, echo_functions, kind):
    name = echo_functions[kind]
    event = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"a": 1}')
    assert event["StatusCode"] == 202
    assert event["Payload"].read() == b""
    assert "ExecutedVersion" not in event
    dry = lambda_client.invoke(FunctionName=name, InvocationType="DryRun", Payload=b'{"a": 1}')
    assert dry["StatusCode"] == 204
    assert dry["Payload"].read() == b""


def test_qualifiers_versions_and_aliases(lambda_client):
    name = create_function(lambda_client, zip_bytes=python_zip("def handler(e, c):\n    return 'one'\n"))
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    assert version == "1"
    wait_active(lambda_client, name, version)
    lambda_client.update_function_code(FunctionName=name, ZipFile=python_zip("def handler(e, c):\n    return 'two'\n"))
    wait_updated(lambda_client, name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    cases = [
        ({}, "two", "$LATEST"),
        ({"Qualifier": "$LATEST"}, "two", "$LATEST"),
        ({"Qualifier": "1"}, "one", "1"),
        ({"Qualifier": "live"}, "one", "1"),
    ]
    for kwargs, expected, executed in cases:
        response, payload = invoke_json(lambda_client, name, **kwargs)
        assert (payload, response["ExecutedVersion"]) == (expected, executed), kwargs
    # Qualified ARNs work like Qualifier.
    response, payload = invoke_json(lambda_client, f"{arn}:live")
    assert (payload, response["ExecutedVersion"]) == ("one", "1")
    response, payload = invoke_json(lambda_client, f"{arn}:1")
    assert (payload, response["ExecutedVersion"]) == ("one", "1")

    with pytest.raises(ClientError) as missing:
        lambda_client.invoke(FunctionName=name, Qualifier="7")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"] == f"Function not found: {arn}:7"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_function_not_found(lambda_client):
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName="does-not-exist-anywhere")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:does-not-exist-anywhere:$LATEST"
    )
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_alias_weighted_routing(lambda_client):
    code = "import os\ndef handler(e, c):\n    return os.environ['AWS_LAMBDA_FUNCTION_VERSION']\n"
    name = create_function(lambda_client, zip_bytes=python_zip(code))
    for _ in range(2):
        version = lambda_client.publish_version(FunctionName=name)["Version"]
        wait_active(lambda_client, name, version)
        lambda_client.update_function_configuration(FunctionName=name, Description=f"after {version}")
        wait_updated(lambda_client, name)
    lambda_client.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    executed = Counter()
    for _ in range(40):
        response, payload = invoke_json(lambda_client, name, Qualifier="canary")
        # The version that ran is the one reported, and the environment agrees.
        assert response["ExecutedVersion"] == payload
        executed[payload] += 1
    assert set(executed) == {"1", "2"}, executed
    assert executed["1"] >= 5 and executed["2"] >= 5, executed  # 50/50 over 40 draws


@pytest.mark.parametrize("kind", ["python", "node"])
def test_log_tail_cold_and_warm(lambda_client, kind):
    name = create_function(lambda_client, kind, MemorySize=256)
    first = lambda_client.invoke(FunctionName=name, LogType="Tail",
                                 Payload=json.dumps({"action": "print", "lines": ["hello from the handler"]}))
    request_id = headers(first)["x-amzn-requestid"]
    lines = tail_lines(first)
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert any(line.endswith("hello from the handler") for line in lines[1:-2]), lines
    assert lines[-2] == f"END RequestId: {request_id}"
    report = REPORT.match(lines[-1])
    assert report, lines[-1]
    assert report["id"] == request_id and report["memory"] == "256"
    assert report["init"], "a cold start reports its Init Duration"

    warm = lambda_client.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
    warm_lines = tail_lines(warm)
    warm_report = REPORT.match(warm_lines[-1])
    assert warm_report and warm_report["id"] == headers(warm)["x-amzn-requestid"]
    assert not warm_report["init"], "a warm invoke has no Init Duration"
    # Without LogType: Tail, no log in the response.
    assert "LogResult" not in lambda_client.invoke(FunctionName=name, Payload=b"{}")


def test_log_tail_is_the_last_4_kb(lambda_client, echo_functions):
    lines = [f"line {i:04d} " + "y" * 60 for i in range(200)]  # ~14 KB of output
    response = lambda_client.invoke(FunctionName=echo_functions["python"], LogType="Tail",
                                    Payload=json.dumps({"action": "print", "lines": lines}))
    raw = base64.b64decode(response["LogResult"])
    assert len(raw) == 4096
    text = raw.decode()
    assert text.splitlines()[-1].startswith("REPORT RequestId: ")
    assert "line 0199 " in text and "line 0000 " not in text


@pytest.mark.parametrize("kind", ["python", "node"])
def test_client_context_reaches_the_handler(lambda_client, echo_functions, kind):
    context = {"custom": {"tenant": "t-1"}, "env": {"locale": "en"},
               "client": {"installation_id": "i-1", "app_title": "title", "app_version_name": "v",
                          "app_version_code": "1", "app_package_name": "pkg"}}
    encoded = base64.b64encode(json.dumps(context).encode()).decode()
    _, payload = invoke_json(lambda_client, echo_functions[kind], ClientContext=encoded)
    received = payload["client_context"]
    assert received["custom"] == {"tenant": "t-1"}
    assert received["env"] == {"locale": "en"}
    assert received["client"]["installation_id"] == "i-1"
    # Without one, the handler sees none.
    _, payload = invoke_json(lambda_client, echo_functions[kind])
    assert payload["client_context"] is None


def test_request_payload_over_6_mb(lambda_client, echo_functions):
    # AWS answers 413 "Request must be smaller than 6291456 bytes for the InvokeFunction operation".
    payload = json.dumps({"data": "z" * (6 * 1024 * 1024)}).encode()
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=echo_functions["python"], Payload=payload)
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    # AWS's x-amzn-ErrorType here is RequestEntityTooLargeException (the model names RequestTooLargeException).
    assert response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert response["Error"]["Message"] == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    # Just under the limit still runs.
    under = json.dumps({"data": "z" * (6 * 1024 * 1024 - 100)}).encode()
    assert len(under) <= 6291456
    assert lambda_client.invoke(FunctionName=echo_functions["python"], Payload=under)["StatusCode"] == 200


@pytest.mark.parametrize("kind", ["python", "node"])
def test_response_over_6_mb(lambda_client, echo_functions, kind):
    name = echo_functions[kind]
    response, payload = invoke_json(lambda_client, name, {"action": "big", "size": 6 * 1024 * 1024 + 200})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    }
    # The environment is fine afterwards.
    response, payload = invoke_json(lambda_client, name, {"action": "big", "size": 10})
    assert "FunctionError" not in response and payload == "x" * 10


@pytest.mark.parametrize("payload", [b"{not json", b"'single'", b"[1, 2", b"\xff\xfe"])
def test_invalid_json_payload(lambda_client, echo_functions, payload):
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=echo_functions["python"], Payload=payload)
    response = error.value.response
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # AWS continues with its JSON parser's own description of the problem.
    assert response["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json: "
    )


def test_non_object_json_payloads(lambda_client, echo_functions):
    for value in ("just a string", 42, [1, "two"]):
        response = lambda_client.invoke(FunctionName=echo_functions["python"], Payload=json.dumps(value))
        assert json.loads(response["Payload"].read())["event"] == {"value": value}
    response = lambda_client.invoke(FunctionName=echo_functions["python"], Payload=b"null")
    assert json.loads(response["Payload"].read())["event"] == {"value": None}


def test_provided_al2023_bash_bootstrap(lambda_client):
    name = create_function(lambda_client, "provided")
    response, payload = invoke_json(lambda_client, name, {"from": "test"}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload["echo"] == {"from": "test"}
    assert payload["handler"] == "function.handler"
    assert payload["requestId"] == headers(response)["x-amzn-requestid"]
    lines = tail_lines(response)
    assert f"handling {payload['requestId']}" in lines
    assert REPORT.match(lines[-1])["init"]
    # Warm: the same bash process answers again.
    again, second = invoke_json(lambda_client, name, {"n": 2})
    assert second["echo"] == {"n": 2} and second["pid"] == payload["pid"]
    # An error posted to /invocation/{id}/error is the function's error.
    failed, error_payload = invoke_json(lambda_client, name, {"fail": True})
    assert failed["FunctionError"] == "Unhandled"
    assert error_payload == {"errorType": "Custom.Failure", "errorMessage": "failed on request"}
