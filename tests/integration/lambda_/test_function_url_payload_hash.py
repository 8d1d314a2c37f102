"""A SigV4 signature covers the body: with ``ENFORCE_IAM=1`` an ``AWS_IAM`` function
URL hashes the body it received, so a declared ``X-Amz-Content-Sha256`` the body
does not hash to fails as AWS fails it, 403 ``InvalidSignatureException`` with
the signature-mismatch message. A body-less marker (``UNSIGNED-PAYLOAD``) is
taken as declared."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from providers.lambda_.function_urls.auth import SIGNATURE_MISMATCH

from .conftest import client_for, create_function, python_zip

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": event.get("body") or ""}
"""


@pytest.fixture(scope="module")
def url(special_gateway: Any) -> dict[str, Any]:
    gateway = special_gateway(ENFORCE_IAM="1")
    client = client_for(gateway.url)
    name = create_function(client, zip_bytes=python_zip(HANDLER), handler="index.handler")
    function_url = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    url_id = function_url.split("//", 1)[1].split(".", 1)[0]
    port = gateway.url.rsplit(":", 1)[1]
    return {"base": gateway.url, "host": f"{url_id}.lambda-url.us-east-1.localhost.localstack.cloud:{port}"}


def signed_headers(url: dict[str, Any], body: bytes, content_sha256: str | None) -> dict[str, str]:
    request = AWSRequest(method="POST", url=f"http://{url['host']}/", data=body,
                         headers={"Content-Type": "text/plain"})
    if content_sha256 is not None:
        request.headers["X-Amz-Content-Sha256"] = content_sha256
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = url["host"]
    return headers


def post(url: dict[str, Any], headers: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(url["base"] + "/", headers=headers, data=body, timeout=60)


def test_the_declared_hash_of_the_body_that_was_signed(url: dict[str, Any]) -> None:
    body = b"the signed body"
    headers = signed_headers(url, body, hashlib.sha256(body).hexdigest())
    answered = post(url, headers, body)
    assert (answered.status_code, answered.text) == (200, "the signed body")


def test_another_body_under_the_same_signature_is_refused(url: dict[str, Any]) -> None:
    signed_body = b"transfer 1 coin"
    headers = signed_headers(url, signed_body, hashlib.sha256(signed_body).hexdigest())
    answered = post(url, headers, b"transfer 1000 coins")
    assert answered.status_code == 403
    assert answered.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert answered.json() == {"Message": SIGNATURE_MISMATCH}


def test_a_declared_hash_that_matches_no_body_is_refused(url: dict[str, Any]) -> None:
    body = b"payload"
    headers = signed_headers(url, body, "0" * 64)  # signed with the false hash
    answered = post(url, headers, body)
    assert answered.status_code == 403
    assert answered.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_without_a_declared_hash_the_body_is_still_covered(url: dict[str, Any]) -> None:
    headers = signed_headers(url, b"original", None)
    assert post(url, headers, b"original").status_code == 200
    assert post(url, headers, b"tampered").status_code == 403


def test_unsigned_payload_leaves_the_body_out(url: dict[str, Any]) -> None:
    headers = signed_headers(url, b"", "UNSIGNED-PAYLOAD")
    answered = post(url, headers, b"any body")
    assert (answered.status_code, answered.text) == (200, "any body")
