"""Oversized bad input is not echoed back whole: a 1 MB value in each place an
error message repeats the client's input gets an error of a few kilobytes.

The bound (``gateway.protocol.validation.messages.ECHO_LIMIT``, 1,024
characters per echoed value, ``...`` after it) keeps every message AWS was
recorded sending whole; only the hostile tail is cut.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from gateway.protocol.validation.messages import ECHO_LIMIT

MEGABYTE = "x" * (1024 * 1024)
SMALL = 8 * 1024  # an error body this large is "small"; the request was 1 MB


def client_error(call: Any, **params: Any) -> ClientError:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value


def assert_small(error: ClientError) -> None:
    message = error.response["Error"].get("Message", "")
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400, error.response
    assert len(message) < SMALL, (error.response["Error"]["Code"], len(message))
    assert "x" * (ECHO_LIMIT + 1) not in message


def test_validation_message_of_a_lambda_request(aws_client) -> None:
    error = client_error(
        aws_client("lambda").create_function,
        FunctionName="f", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r", Handler="h.h",
        Code={"ZipFile": b"PK"}, Description=MEGABYTE,
    )
    assert_small(error)
    message = error.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value 'xxx") and "..." in message
    assert message.endswith("at 'description' failed to satisfy constraint: Member must have length less than or equal to 256")


def test_lambda_environment_over_the_limit(aws_client) -> None:
    error = client_error(
        aws_client("lambda").create_function,
        FunctionName="env-echo", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r", Handler="h.h",
        Code={"ZipFile": b"PK"}, Environment={"Variables": {"BIG": MEGABYTE}},
    )
    message = error.response["Error"]["Message"]
    assert "exceeded the 4KB limit. String measured: " in message
    assert len(message) < 3 * SMALL


def test_validation_message_of_a_companion_request(aws_client) -> None:
    assert_small(client_error(aws_client("dynamodb").describe_table, TableName=MEGABYTE))
    assert_small(client_error(aws_client("sns").create_topic, Name=MEGABYTE))


def test_many_violations_make_one_bounded_message(aws_client) -> None:
    tags = [{"Key": MEGABYTE[:200_000], "Value": "v"} for _ in range(5)]
    error = client_error(aws_client("sqs").tag_queue, QueueUrl="http://localhost/000000000000/q", Tags={t["Key"] + str(i): "v" for i, t in enumerate(tags)})
    assert len(error.response["Error"].get("Message", "")) < SMALL


@pytest.mark.parametrize("service, version", [("sqs", "2012-11-05"), ("sns", "2010-03-31"), ("iam", "2010-05-08"), ("sts", "2011-06-15")])
def test_unknown_query_action(gateway_url: str, service: str, version: str) -> None:
    response = requests.post(
        gateway_url + "/",
        data=f"Action={MEGABYTE}&Version={version}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
        timeout=60,
    )
    assert response.status_code == 400, response.text[:300]
    assert len(response.content) < SMALL, response.text[:300]


def test_json_body_that_is_no_json(gateway_url: str) -> None:
    response = requests.post(
        gateway_url + "/2015-03-31/functions",
        data=MEGABYTE.encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, "
                 "SignedHeaders=host, Signature=0"},
        timeout=60,
    )
    assert 400 <= response.status_code < 500
    assert len(response.content) < SMALL
    json.loads(response.content)
