"""Function URLs over real HTTP (requests, http.client and curl) against the real gateway.

AWS facts come from LocalStack's AWS-recorded snapshots (test_lambda.snapshot.json,
TestLambdaURL::test_lambda_url_invocation[*], ::test_lambda_url_headers_and_status,
::test_lambda_url_invocation_exception, ::test_lambda_url_non_existing_url,
::test_lambda_url_persists_after_alias_delete, ::test_function_url_with_response_streaming,
TestLambdaPermissions::test_lambda_permission_url_invocation,
TestRequestIdHandling::test_request_id_invoke_url) and the AWS docs
"Invoking Lambda function URLs".

Functions are shared per module (one Node.js "echo" function steered by an
``x-mode`` header, one streaming function), so cold starts stay few.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any, Iterator, Optional

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config as BotoConfig
from botocore.credentials import Credentials

from tests.support.gateway_process import GatewayProcess

from .config_helpers import wait_until

FORBIDDEN = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)
UNKNOWN_ID = "0123456789abcdefghijklmnopqrstuv"

ECHO_JS = r"""
const crypto = require("crypto");
exports.handler = async (event, context) => {
  const mode = (event.headers || {})["x-mode"] || "echo";
  switch (mode) {
    case "echo":
      return {statusCode: 200, headers: {"Content-Type": "application/json"},
              body: JSON.stringify({event, requestId: context.awsRequestId})};
    case "result":
      return JSON.parse(event.body);
    case "binary":
      return {statusCode: 200, headers: {"Content-Type": "application/octet-stream"},
              body: event.isBase64Encoded ? event.body : Buffer.from(event.body || "").toString("base64"),
              isBase64Encoded: true};
    case "digest": {
      const raw = Buffer.from(event.body || "", event.isBase64Encoded ? "base64" : "utf8");
      return {length: raw.length, sha256: crypto.createHash("sha256").update(raw).digest("hex"),
              isBase64Encoded: event.isBase64Encoded};
    }
    case "big":
      return {statusCode: 200, headers: {"Content-Type": "text/plain"}, body: "x".repeat(Number(event.body))};
    case "version":
      return process.env.AWS_LAMBDA_FUNCTION_VERSION;
    case "throw":
      throw new Error("owned-handler-error");
  }
};
"""

STREAM_JS = r"""
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
exports.handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const mode = (event.headers || {})["x-mode"] || "prelude";
  if (mode === "prelude") {
    responseStream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 206,
      headers: {"Content-Type": "text/x-owned-stream", "X-Owned": "stream"},
      cookies: ["s=1; Path=/", "t=2; HttpOnly"],
    });
  } else {
    responseStream.setContentType("text/plain");
  }
  for (let i = 0; i < 3; i++) {
    responseStream.write(`chunk${i}\n`);
    await sleep(400);
  }
  responseStream.end();
});
"""

USER_GUIDE_JS = """exports.handler = async (event) => {
    let body = JSON.parse(event.body)
    const product = body.num1 * body.num2;
    const response = {
        statusCode: 200,
        body: "The product of " + body.num1 + " and " + body.num2 + " is " + product,
    };
    return response;
};
"""


# Helpers ---------------------------------------------------------------------------------------------
def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def lambda_client(url: str, access_key: str = "test") -> Any:
    return boto3.client(
        "lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id=access_key,
        aws_secret_access_key="test", config=BotoConfig(retries={"max_attempts": 1}),
    )


def create_node_function(client: Any, code: str, **kwargs: Any) -> str:
    name = f"fnurl-{uuid.uuid4().hex[:10]}"
    client.create_function(
        FunctionName=name, Runtime="nodejs20.x", Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="index.handler", Code={"ZipFile": zipped({"index.js": code})}, Timeout=10, **kwargs,
    )
    wait_until(lambda: client.get_function_configuration(FunctionName=name)["State"] == "Active", timeout=30)
    return name


def url_id(function_url: str) -> str:
    return function_url.split("//", 1)[1].split(".", 1)[0]


def host_for(uid: str, region: str = "us-east-1", suffix: str = "localhost.localstack.cloud", port: int = 0) -> str:
    return f"{uid}.lambda-url.{region}.{suffix}" + (f":{port}" if port else "")


class Url:
    """One function URL, reachable by host (explicit ``Host`` header) or by path form."""

    def __init__(self, gateway_url: str, function_url: str) -> None:
        self.base = gateway_url
        self.port = int(gateway_url.rsplit(":", 1)[1])
        self.id = url_id(function_url)
        self.host = host_for(self.id, port=self.port)

    def call(self, method: str = "GET", path: str = "/", host: Optional[str] = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["Host"] = host or self.host
        return requests.request(method, f"{self.base}{path}", headers=headers, timeout=60, **kwargs)

    def via_path(self, method: str = "GET", path: str = "/", **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base}/_aws/lambda-url/{self.id}{path}", timeout=60, **kwargs)

    def raw(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> tuple[int, dict, bytes]:
        """http.client, for what requests cannot send (repeated headers)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", self.host)
            for name, value in headers:
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


def echo_event(response: requests.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["event"]


# Module fixtures: one echo function with URLs on $LATEST and on an alias ---------------------------------
@pytest.fixture(scope="module")
def client(gateway_url: str) -> Any:
    return lambda_client(gateway_url)


@pytest.fixture(scope="module")
def echo(client: Any) -> str:
    name = create_node_function(client, ECHO_JS)
    version = client.publish_version(FunctionName=name)["Version"]
    wait_until(lambda: client.get_function_configuration(FunctionName=name, Qualifier=version)["State"] == "Active")
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    return name


@pytest.fixture(scope="module")
def url(client: Any, echo: str, gateway_url: str) -> Url:
    created = client.create_function_url_config(FunctionName=echo, AuthType="NONE")
    return Url(gateway_url, created["FunctionUrl"])


# 1. Routing --------------------------------------------------------------------------------------------
def test_user_guide_walkthrough_verbatim(cli_env: dict, gateway_url: str, tmp_path) -> None:
    """shared/seed/lambda-user-guide.md: "Create a Function URL" and "Trigger the Lambda function URL"."""
    (tmp_path / "index.js").write_text(USER_GUIDE_JS)
    name = f"localstack-lambda-url-example-{uuid.uuid4().hex[:6]}"

    env = dict(cli_env, PATH=f"{Path(sys.executable).parent}:{cli_env.get('PATH', '')}")  # awslocal lives in the venv

    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("zip", "function.zip", "index.js")
    run("awslocal", "lambda", "create-function", "--function-name", name, "--runtime", "nodejs18.x",
        "--zip-file", "fileb://function.zip", "--handler", "index.handler",
        "--role", "arn:aws:iam::000000000000:role/lambda-role")
    run("awslocal", "lambda", "wait", "function-active-v2", "--function-name", name)
    created = json.loads(run("awslocal", "lambda", "create-function-url-config", "--function-name", name,
                             "--auth-type", "NONE"))
    function_url = created["FunctionUrl"]
    port = gateway_url.rsplit(":", 1)[1]
    assert function_url.endswith(f".lambda-url.us-east-1.localhost.localstack.cloud:{port}/")
    host = function_url.split("//", 1)[1].split(":", 1)[0]
    # *.localhost.localstack.cloud does not resolve here: --resolve pins it to the gateway.
    output = run("curl", "-s", "--resolve", f"{host}:{port}:127.0.0.1", "-X", "POST", function_url,
                 "-H", "Content-Type: application/json", "-d", '{"num1": "10", "num2": "10"}')
    assert output == "The product of 10 and 10 is 100"


# Other suffixes work once the gateway answers to them (GATEWAY_HOSTNAMES):
# tests/integration/test_browser_guard.py.
@pytest.mark.parametrize("suffix", ["localhost.localstack.cloud", "localhost"])
def test_host_forms_every_suffix(url: Url, suffix: str) -> None:
    response = url.call("GET", "/some/path", host=host_for(url.id, suffix=suffix, port=url.port))
    event = echo_event(response)
    assert event["rawPath"] == "/some/path"
    assert event["requestContext"]["domainName"] == host_for(url.id, suffix=suffix)
    assert event["requestContext"]["domainPrefix"] == url.id == event["requestContext"]["apiId"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method_reaches_the_function(url: Url, method: str) -> None:
    event = echo_event(url.call(method, "/m"))
    assert event["requestContext"]["http"]["method"] == method


def test_head_has_no_body(url: Url) -> None:
    response = url.call("HEAD", "/")
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_path_form_on_the_plain_endpoint(url: Url) -> None:
    event = echo_event(url.via_path("POST", "/custom_path/extend?test_param=test_value", data="text",
                                    headers={"Content-Type": "text/plain"}))
    assert event["rawPath"] == "/custom_path/extend"
    assert event["requestContext"]["http"]["path"] == "/custom_path/extend"
    assert event["rawQueryString"] == "test_param=test_value"
    assert event["queryStringParameters"] == {"test_param": "test_value"}
    assert event["body"] == "text" and event["isBase64Encoded"] is False
    assert event["requestContext"]["domainName"] == host_for(url.id)
    assert echo_event(url.via_path("GET", ""))["rawPath"] == "/"


def test_unknown_url_id_is_403_message_null(url: Url) -> None:
    """TestLambdaURL::test_lambda_url_non_existing_url."""
    for response in (
        url.call("GET", "/", host=host_for(UNKNOWN_ID, port=url.port)),
        requests.get(f"{url.base}/_aws/lambda-url/{UNKNOWN_ID}/", timeout=10),
        url.call("GET", "/", host=host_for(url.id, region="eu-west-1", port=url.port)),  # another region's URL
    ):
        assert response.status_code == 403
        assert response.text == '{"Message":null}'
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_alias_url_routes_to_the_alias_version(client: Any, echo: str, url: Url) -> None:
    created = client.create_function_url_config(FunctionName=echo, Qualifier="live", AuthType="NONE")
    alias_url = Url(url.base, created["FunctionUrl"])
    assert alias_url.id != url.id
    assert alias_url.call(headers={"x-mode": "version"}).text == "1"
    assert url.call(headers={"x-mode": "version"}).text == "$LATEST"
    client.delete_function_url_config(FunctionName=echo, Qualifier="live")
    gone = alias_url.call()
    assert (gone.status_code, gone.text) == (403, '{"Message":null}')


def test_url_of_a_deleted_alias_is_403_message_null(client: Any, echo: str, url: Url) -> None:
    # The alias's URL config goes with the alias; its URL then answers as an unknown one
    # (TestLambdaURL::test_lambda_url_non_existing_url: 403 {"Message":null}).
    client.create_alias(FunctionName=echo, Name="doomed", FunctionVersion="1")
    created = client.create_function_url_config(FunctionName=echo, Qualifier="doomed", AuthType="NONE")
    doomed = Url(url.base, created["FunctionUrl"])
    assert doomed.call(headers={"x-mode": "version"}).text == "1"
    client.delete_alias(FunctionName=echo, Name="doomed")
    gone = doomed.call()
    assert (gone.status_code, gone.text) == (403, '{"Message":null}')
    assert gone.headers["x-amzn-ErrorType"] == "AccessDeniedException"


# 2. The request event ------------------------------------------------------------------------------------
def test_request_event(url: Url) -> None:
    status, headers, body = url.raw(
        "POST", "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        [("Content-Type", "application/json"), ("User-Agent", "test/echo"), ("ExTrA-HeadErs", "With WeiRd CapS"),
         ("X-Rep", "value1"), ("x-rep", "value2"), ("Cookie", "cookie1=a; cookie2=b")],
        b'{"foo": "bar"}',
    )
    assert status == 200
    answer = json.loads(body)
    event = answer["event"]
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                           "queryStringParameters", "requestContext", "body", "isBase64Encoded"]
    assert (event["version"], event["routeKey"]) == ("2.0", "$default")
    assert event["rawPath"] == "/my/path"
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event["cookies"] == ["cookie1=a", "cookie2=b"]
    event_headers = event["headers"]
    assert all(name == name.lower() for name in event_headers)
    assert event_headers["extra-headers"] == "With WeiRd CapS"
    assert event_headers["x-rep"] == "value1,value2"
    assert event_headers["content-type"] == "application/json" and event_headers["content-length"] == "14"
    assert event_headers["host"] == url.host and event_headers["user-agent"] == "test/echo"
    assert event_headers["x-forwarded-for"] == "127.0.0.1" and event_headers["x-forwarded-proto"] == "http"
    assert event_headers["x-forwarded-port"] == str(url.port)
    assert event_headers["x-amzn-trace-id"].startswith("Root=1-")
    # Events AWS delivers (function URLs are HTTPS only) carry the TLS session it negotiated.
    assert (event_headers["x-amzn-tls-version"], event_headers["x-amzn-tls-cipher-suite"]) == (
        "TLSv1.3", "TLS_AES_128_GCM_SHA256")
    assert "cookie" not in event_headers
    context = event["requestContext"]
    assert list(context) == ["accountId", "apiId", "domainName", "domainPrefix", "http", "requestId",
                             "routeKey", "stage", "time", "timeEpoch"]
    assert context["accountId"] == "anonymous"
    assert context["http"] == {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "test/echo"}
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert abs(context["timeEpoch"] / 1000 - time.time()) < 60
    assert time.strftime("%Y", time.gmtime()) in context["time"] and context["time"].endswith(" +0000")
    # TestRequestIdHandling::test_request_id_invoke_url: one request id for HTTP, event and runtime.
    assert context["requestId"] == answer["requestId"] == headers["x-amzn-requestid"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"foo": "bar"}', False)
    assert "pathParameters" not in event and "stageVariables" not in event


def test_event_without_body_or_query(url: Url) -> None:
    event = echo_event(url.call("GET", "/"))
    assert "body" not in event and event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event and "cookies" not in event
    assert event["rawQueryString"] == ""


def test_binary_and_form_bodies_arrive_base64(url: Url) -> None:
    payload = bytes(range(256)) * 4
    event = echo_event(url.call("POST", "/", data=payload, headers={"Content-Type": "application/octet-stream"}))
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == payload
    form = echo_event(url.call("POST", "/", data={"a": "1", "b": "2"}))  # x-www-form-urlencoded, as on AWS
    assert form["isBase64Encoded"] is True and base64.b64decode(form["body"]) == b"a=1&b=2"


def test_binary_round_trip(url: Url) -> None:
    payload = b"A\x00\xff\n" + bytes(range(256))
    response = url.call("POST", "/", data=payload, headers={"x-mode": "binary", "Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == payload


def test_large_bodies(url: Url) -> None:
    big = ("0123456789abcdef" * (4 * 1024 * 1024 // 16)).encode()  # 4 MiB of text
    answer = url.call("POST", "/", data=big, headers={"x-mode": "digest", "Content-Type": "text/plain"}).json()
    assert answer == {"length": len(big), "sha256": hashlib.sha256(big).hexdigest(), "isBase64Encoded": False}
    response = url.call("POST", "/", data=str(5 * 1024 * 1024), headers={"x-mode": "big", "Content-Type": "text/plain"})
    assert response.status_code == 200 and response.content == b"x" * (5 * 1024 * 1024)
    too_big = url.call("POST", "/", data=b"x" * (6 * 1024 * 1024 + 1), headers={"Content-Type": "text/plain"})
    assert too_big.status_code == 413
    assert too_big.headers["x-amzn-ErrorType"] == "RequestTooLargeException"


# 3. Response mapping -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "returned,body",
    [
        ({"hello": "world"}, '{"hello":"world"}'),  # [dict]: Content-Length 17
        ({"statusCode": 200, "body": "body123"}, "body123"),  # [http-response]
        ({"statusCode": 200, "body": '{"hello": "world"}'}, '{"hello": "world"}'),  # [http-response-json]
        (["hello", 3, True], '["hello",3,true]'),  # [list-mixed]
        ("hello", "hello"),  # [string]: sent raw
        (3, "3"),
        (3.1, "3.1"),
        (True, "true"),
        (None, "null"),
        ({"body": "no status", "headers": {"X-A": "b"}}, '{"body":"no status","headers":{"X-A":"b"}}'),
    ],
)
def test_result_mapping(url: Url, returned: Any, body: str) -> None:
    """TestLambdaURL::test_lambda_url_invocation[*]."""
    response = url.call("POST", "/", data=json.dumps(returned), headers={"x-mode": "result", "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == str(len(body.encode()))
    assert response.text == body


def test_http_response_headers_status_and_cookies(url: Url) -> None:
    """TestLambdaURL::test_lambda_url_headers_and_status."""
    returned = {"statusCode": 201, "headers": {"Content-Type": "application/json", "My-Custom-Header": "Custom Value"},
                "body": json.dumps({"message": "hello-world"}), "isBase64Encoded": False}
    response = url.call("POST", "/", json=returned, headers={"x-mode": "result"})
    assert response.status_code == 201 and response.json() == {"message": "hello-world"}
    assert response.headers["my-custom-header"] == "Custom Value"

    teapot = url.call("POST", "/", json={"statusCode": "418", "body": "i'm a teapot"}, headers={"x-mode": "result"})
    assert (teapot.status_code, teapot.text) == (418, "i'm a teapot")

    with_cookies = {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "body": "c"}
    connection = http.client.HTTPConnection("127.0.0.1", url.port, timeout=30)
    connection.request("POST", "/", body=json.dumps(with_cookies),
                       headers={"Host": url.host, "x-mode": "result", "Content-Type": "application/json"})
    raw = connection.getresponse()
    assert raw.status == 200
    assert raw.msg.get_all("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    connection.close()


def test_base64_response_and_invalid_responses(url: Url) -> None:
    encoded = {"statusCode": 200, "body": base64.b64encode(b"\x00\x01binary").decode(), "isBase64Encoded": True,
               "headers": {"Content-Type": "application/octet-stream"}}
    assert url.call("POST", "/", json=encoded, headers={"x-mode": "result"}).content == b"\x00\x01binary"
    for invalid in ({"statusCode": 700, "body": "x"}, {"statusCode": 200, "body": {"not": "string"}},
                    {"statusCode": 200, "body": "!!!", "isBase64Encoded": True}):
        response = url.call("POST", "/", json=invalid, headers={"x-mode": "result"})
        assert (response.status_code, response.text) == (502, "Internal Server Error")


def test_function_error_is_502(url: Url) -> None:
    """TestLambdaURL::test_lambda_url_invocation_exception."""
    response = url.call("POST", "/", data=b"{}", headers={"x-mode": "throw", "User-Agent": "python-requests/testing"})
    assert (response.status_code, response.text) == (502, "Internal Server Error")
    assert response.headers["x-amzn-RequestId"]


def test_throttling_is_429(client: Any, gateway_url: str) -> None:
    name = create_node_function(client, ECHO_JS)
    created = client.create_function_url_config(FunctionName=name, AuthType="NONE")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    response = Url(gateway_url, created["FunctionUrl"]).call("GET", "/")
    assert response.status_code == 429
    assert response.json() == {"Message": "Rate Exceeded."}
    assert response.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


# 4. Authorization (default: the user guide's URL answers without a resource policy) -----------------------
def test_default_mode_needs_no_policy_and_no_signature(client: Any, echo: str, url: Url) -> None:
    # The walkthrough adds no permission, and neither does this module.
    assert url.call("GET", "/").status_code == 200
    alias = client.create_alias(FunctionName=echo, Name="iam", FunctionVersion="1")
    created = client.create_function_url_config(FunctionName=echo, Qualifier=alias["Name"], AuthType="AWS_IAM")
    event = echo_event(Url(url.base, created["FunctionUrl"]).call("GET", "/"))
    assert event["requestContext"]["authorizer"]["iam"]["accountId"] == "000000000000"


# 5. CORS ----------------------------------------------------------------------------------------------------
def test_cors(client: Any, gateway_url: str) -> None:
    name = create_node_function(client, ECHO_JS)
    cors = {"AllowOrigins": ["https://allowed.example"], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom"], "ExposeHeaders": ["x-exposed"], "MaxAge": 300, "AllowCredentials": True}
    created = client.create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)
    cors_url = Url(gateway_url, created["FunctionUrl"])

    preflight = cors_url.call("OPTIONS", "/", headers={"Origin": "https://allowed.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200 and preflight.content == b""
    assert "x-amzn-RequestId" not in preflight.headers  # answered without invoking
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert preflight.headers["Access-Control-Allow-Headers"] == "x-custom"
    assert preflight.headers["Access-Control-Max-Age"] == "300"
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"

    actual = cors_url.call("GET", "/", headers={"Origin": "https://allowed.example"})
    assert actual.status_code == 200
    assert actual.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    assert actual.headers["Access-Control-Expose-Headers"] == "x-exposed"
    assert actual.headers["Access-Control-Allow-Credentials"] == "true"

    # The configuration wins over the function's own CORS headers.
    own = {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "https://handler.example"}, "body": "x"}
    overridden = cors_url.call("POST", "/", json=own, headers={"x-mode": "result", "Origin": "https://allowed.example"})
    assert overridden.headers["Access-Control-Allow-Origin"] == "https://allowed.example"

    other = cors_url.call("GET", "/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    other_preflight = cors_url.call("OPTIONS", "/", headers={"Origin": "https://evil.example",
                                                             "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in other_preflight.headers

    client.update_function_url_config(FunctionName=name, Cors={"AllowOrigins": ["*"], "AllowMethods": ["*"]})
    wildcard = cors_url.call("OPTIONS", "/", headers={"Origin": "https://any.example", "Access-Control-Request-Method": "PUT"})
    assert wildcard.headers["Access-Control-Allow-Origin"] == "*"
    assert wildcard.headers["Access-Control-Allow-Methods"] == "*"


# 6. Streaming ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stream_url(client: Any, gateway_url: str) -> Url:
    name = create_node_function(client, STREAM_JS)
    created = client.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    return Url(gateway_url, created["FunctionUrl"])


def timed_chunks(response: requests.Response) -> Iterator[tuple[float, bytes]]:
    started = time.monotonic()
    for chunk in response.iter_content(chunk_size=None):
        yield time.monotonic() - started, chunk


def test_streaming_status_headers_and_body_from_the_prelude(stream_url: Url) -> None:
    with stream_url.call("GET", "/", stream=True) as response:
        assert response.status_code == 206
        assert response.headers["Content-Type"] == "text/x-owned-stream"
        assert response.headers["X-Owned"] == "stream"
        assert response.raw.headers.getlist("Set-Cookie") == ["s=1; Path=/", "t=2; HttpOnly"]
        assert response.headers.get("Transfer-Encoding") == "chunked"
        assert b"".join(response.iter_content(chunk_size=None)) == b"chunk0\nchunk1\nchunk2\n"
    plain = stream_url.call("GET", "/", headers={"x-mode": "plain"})
    assert (plain.status_code, plain.headers["Content-Type"], plain.text) == (200, "text/plain", "chunk0\nchunk1\nchunk2\n")


def test_buffered_mode_returns_it_whole(client: Any, gateway_url: str) -> None:
    name = create_node_function(client, STREAM_JS)
    created = client.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED")
    response = Url(gateway_url, created["FunctionUrl"]).call("GET", "/")
    assert response.status_code == 206 and "Transfer-Encoding" not in response.headers
    assert response.headers["Content-Type"] == "text/x-owned-stream"
    assert response.content == b"chunk0\nchunk1\nchunk2\n"
    assert response.headers["Content-Length"] == str(len(response.content))


def test_streaming_arrives_chunk_by_chunk(stream_url: Url) -> None:
    with stream_url.call("GET", "/", stream=True) as response:
        arrivals = [(at, chunk) for at, chunk in timed_chunks(response)]
    assert b"".join(chunk for _, chunk in arrivals) == b"chunk0\nchunk1\nchunk2\n"
    assert [chunk for _, chunk in arrivals] == [b"chunk0\n", b"chunk1\n", b"chunk2\n"]
    # The function sleeps 400 ms between writes: each chunk is seen as it is written.
    assert arrivals[1][0] - arrivals[0][0] > 0.25 and arrivals[2][0] - arrivals[1][0] > 0.25


# ENFORCE_IAM=1: AWS's authorization rules, in a gateway of their own --------------------------------------
@pytest.fixture(scope="module")
def iam_gateway() -> Iterator[GatewayProcess]:
    with GatewayProcess(env={"ENFORCE_IAM": "1"}) as process:
        yield process


def signed_get(url: Url, path: str = "/", access_key: str = "test", secret: str = "test", region: str = "us-east-1") -> requests.Response:
    aws_request = AWSRequest(method="GET", url=f"http://{url.host}{path}")
    SigV4Auth(Credentials(access_key, secret), "lambda", region).add_auth(aws_request)
    headers = dict(aws_request.headers.items())
    headers["Host"] = url.host  # signed as part of the canonical request
    return requests.get(f"{url.base}{path}", headers=headers, timeout=60)


def test_enforce_iam_auth_none_needs_a_resource_policy(iam_gateway: GatewayProcess) -> None:
    """TestLambdaPermissions::test_lambda_permission_url_invocation; TestLambdaURL::test_lambda_url_invocation."""
    iam_client = lambda_client(iam_gateway.url)
    name = create_node_function(iam_client, ECHO_JS)
    none_url = Url(iam_gateway.url, iam_client.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"])
    denied = none_url.call("GET", "/")
    assert denied.status_code == 403 and denied.json() == {"Message": FORBIDDEN}
    assert denied.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    iam_client.add_permission(FunctionName=name, StatementId="urlPermission", Action="lambda:InvokeFunctionUrl",
                              Principal="*", FunctionUrlAuthType="NONE")
    assert echo_event(none_url.call("GET", "/"))["requestContext"]["accountId"] == "anonymous"
    unknown = none_url.call("GET", "/", host=host_for(UNKNOWN_ID, port=none_url.port))
    assert (unknown.status_code, unknown.text) == (403, '{"Message":null}')


def test_enforce_iam_aws_iam_needs_a_valid_signature(iam_gateway: GatewayProcess) -> None:
    iam_client = lambda_client(iam_gateway.url)
    name = create_node_function(iam_client, ECHO_JS)
    iam_url = Url(iam_gateway.url, iam_client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"])
    unsigned = iam_url.call("GET", "/")
    assert unsigned.status_code == 403 and unsigned.json() == {"Message": FORBIDDEN}
    bad = signed_get(iam_url, secret="not-the-secret")
    assert bad.status_code == 403 and bad.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert signed_get(iam_url, region="eu-west-1").status_code == 403

    own_account = signed_get(iam_url, "/signed?x=1")
    event = echo_event(own_account)
    assert event["requestContext"]["accountId"] == "000000000000"
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == "test"
    assert event["requestContext"]["authorizer"]["iam"]["userArn"] == "arn:aws:iam::000000000000:root"

    # Another account needs the resource policy to name it.
    assert signed_get(iam_url, access_key="111111111111").status_code == 403
    iam_client.add_permission(FunctionName=name, StatementId="crossAccount", Action="lambda:InvokeFunctionUrl",
                              Principal="111111111111", FunctionUrlAuthType="AWS_IAM")
    cross = echo_event(signed_get(iam_url, access_key="111111111111"))
    assert cross["requestContext"]["accountId"] == "111111111111"
    assert cross["requestContext"]["authorizer"]["iam"]["userArn"] == "arn:aws:iam::111111111111:root"
