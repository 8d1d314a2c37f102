"""``X-Amz-Client-Context`` is checked as AWS checks it: base64 of a JSON object,
at most 3,583 bytes (Invoke's API reference). Anything else is a 400
``InvalidRequestContentException`` "Client context must be a valid
Base64-encoded JSON object." (AWS's answer, quoted in boto/boto3#2153), before
any environment runs, and the next invoke with a good one works."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from .conftest import invoke_json

BAD = "Client context must be a valid Base64-encoded JSON object."


def encoded(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "client_context",
    [
        "string",  # not base64 (what boto/boto3#2153 sent)
        "e30",  # base64 without its padding
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        encoded([1, 2]),  # JSON, but no object
        encoded("text"),
    ],
)
@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_a_client_context_that_is_no_base64_json_object_is_refused(
    lambda_client, echo_functions, client_context: str, invocation_type: str
) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(
            FunctionName=echo_functions["python"], InvocationType=invocation_type, ClientContext=client_context
        )
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("InvalidRequestContentException", BAD)
    assert error["Type"] == "User"


def test_the_size_limit_is_3583_bytes(lambda_client, echo_functions) -> None:
    name = echo_functions["python"]
    fits = encoded({"custom": {"k": "v" * 2600}})
    assert len(fits) <= 3583
    _, payload = invoke_json(lambda_client, name, ClientContext=fits)
    assert payload["client_context"]["custom"] == {"k": "v" * 2600}
    too_long = encoded({"custom": {"k": "v" * 2700}})
    assert len(too_long) > 3583
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName=name, ClientContext=too_long)
    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert "3583" in raised.value.response["Error"]["Message"]


def test_invoke_with_response_stream_checks_it_too(lambda_client, echo_functions) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke_with_response_stream(FunctionName=echo_functions["python"], ClientContext="string")
    assert (raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]) == (
        "InvalidRequestContentException", BAD,
    )
