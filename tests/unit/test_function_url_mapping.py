"""Function URLs without a gateway: addresses, the 2.0 event, response mapping,
streaming preludes, CORS and authorization (SigV4 checked against botocore's signer)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Iterator, Optional

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest
from providers.lambda_.function_urls import auth, cors, streaming
from providers.lambda_.function_urls import response as mapping
from providers.lambda_.function_urls.address import UrlAddress, parse_address
from providers.lambda_.function_urls.event import build_event, encode_body, is_text

URL_ID = "a" * 16 + "0123456789abcdef"


def http_request(
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Optional[list[tuple[str, str]]] = None,
    body: bytes = b"",
    host: str = f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud:4566",
) -> HttpRequest:
    h = Headers()
    if host:
        h.add("Host", host)
    for name, value in headers or []:
        h.add(name, value)
    return HttpRequest(method, path, query, h, body, remote_addr="127.0.0.1", server_port=4566)


# Addresses ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host,region",
    [
        (f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud:4566", "us-east-1"),
        (f"{URL_ID}.lambda-url.eu-west-2.localhost.localstack.cloud", "eu-west-2"),
        (f"{URL_ID}.lambda-url.ap-south-1.localhost:4566", "ap-south-1"),
        (f"{URL_ID}.lambda-url.us-west-2.on.aws", "us-west-2"),
        (f"{URL_ID.upper()}.LAMBDA-URL.US-EAST-1.EXAMPLE.TEST:8080", "us-east-1"),
    ],
)
def test_host_form_addresses(host: str, region: str) -> None:
    address = parse_address(http_request(path="/a/b%20c", host=host))
    assert address is not None
    assert (address.url_id, address.region, address.raw_path) == (URL_ID, region, "/a/b%20c")
    assert address.domain_name == host.lower().rsplit(":", 1)[0] if ":" in host else host.lower()


@pytest.mark.parametrize(
    "host,path",
    [
        ("localhost:4566", "/2015-03-31/functions/"),
        ("lambda.us-east-1.amazonaws.com", "/"),
        (f"{URL_ID}.lambda-url.us-east-1", "/"),  # no suffix
        ("x.lambda-url..localhost", "/"),
        ("127.0.0.1:4566", "/_aws/lambda/runtimes"),
    ],
)
def test_not_function_url_requests(host: str, path: str) -> None:
    assert parse_address(http_request(path=path, host=host)) is None


def test_path_form_address() -> None:
    address = parse_address(http_request(path=f"/_aws/lambda-url/{URL_ID}/x/y%2Fz", host="127.0.0.1:4566"))
    assert address == UrlAddress(URL_ID, None, "/x/y%2Fz", None)
    assert address.domain_for("eu-west-1") == f"{URL_ID}.lambda-url.eu-west-1.localhost.localstack.cloud"
    assert parse_address(http_request(path=f"/_aws/lambda-url/{URL_ID}", host="127.0.0.1")).raw_path == "/"
    assert parse_address(http_request(path=f"/_aws/lambda-url/{URL_ID}/", host="127.0.0.1")).raw_path == "/"
    assert parse_address(http_request(path="/_aws/lambda-url/", host="127.0.0.1")) is None


# The request event ------------------------------------------------------------------------------
def event_for(request: HttpRequest, **kwargs) -> dict:
    address = parse_address(request)
    return build_event(request, address, "us-east-1", "req-1", "Root=1-00000000-000000000000000000000000",
                       now=1583348638.390, **kwargs)


def test_event_shape_for_auth_none() -> None:
    request = http_request(
        "POST", "/my/path", "parameter1=value1&parameter1=value2&parameter2=value",
        [("Header1", "value1"), ("HEADER2", "value1"), ("header2", "value2"), ("Cookie", "cookie1; cookie2"),
         ("Content-Type", "application/json"), ("User-Agent", "agent"), ("Connection", "keep-alive")],
        b'{"a": 1}',
    )
    event = event_for(request)
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                           "queryStringParameters", "requestContext", "body", "isBase64Encoded"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/my/path"
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["cookies"] == ["cookie1", "cookie2"]
    headers = event["headers"]
    assert headers["header1"] == "value1" and headers["header2"] == "value1,value2"
    assert "cookie" not in headers and "connection" not in headers
    assert headers["host"] == f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud:4566"
    assert headers["x-forwarded-for"] == "127.0.0.1" and headers["x-forwarded-port"] == "4566"
    assert headers["x-forwarded-proto"] == "http" and headers["x-amzn-trace-id"].startswith("Root=1-")
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event["requestContext"] == {
        "accountId": "anonymous",
        "apiId": URL_ID,
        "domainName": f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud",
        "domainPrefix": URL_ID,
        "http": {"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                 "userAgent": "agent"},
        "requestId": "req-1",
        "routeKey": "$default",
        "stage": "$default",
        "time": "04/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1583348638390,
    }
    assert event["body"] == '{"a": 1}' and event["isBase64Encoded"] is False
    assert "pathParameters" not in event and "stageVariables" not in event


def test_event_without_body_query_or_cookies() -> None:
    event = event_for(http_request("GET", "/"))
    assert "body" not in event and event["isBase64Encoded"] is False
    assert "queryStringParameters" not in event and "cookies" not in event
    assert event["rawQueryString"] == ""


def test_event_for_aws_iam_has_authorizer() -> None:
    event = event_for(http_request(), authorizer=auth.authorizer("111122223333", "111122223333"), caller_account="111122223333")
    context = event["requestContext"]
    assert list(context)[:3] == ["accountId", "apiId", "authorizer"]
    assert context["accountId"] == "111122223333"
    assert context["authorizer"]["iam"] == {
        "accessKey": "111122223333", "accountId": "111122223333", "callerId": "111122223333",
        "cognitoIdentity": None, "principalOrgId": None,
        "userArn": "arn:aws:iam::111122223333:root", "userId": "111122223333",
    }


def test_path_form_event_sees_path_after_prefix() -> None:
    request = http_request("GET", f"/_aws/lambda-url/{URL_ID}/custom_path/extend", "a=1", host="127.0.0.1:4566")
    event = event_for(request)
    assert event["rawPath"] == "/custom_path/extend"
    assert event["requestContext"]["http"]["path"] == "/custom_path/extend"
    assert event["requestContext"]["domainName"] == f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud"


@pytest.mark.parametrize(
    "content_type,text",
    [("application/json", True), ("application/json; charset=utf-8", True), ("text/plain", True),
     ("text/html", True), ("application/xml", True), ("application/vnd.api+json", True),
     ("application/javascript", True), ("application/octet-stream", False), ("image/png", False),
     ("application/x-www-form-urlencoded", False), ("multipart/form-data; boundary=x", False), ("", False)],
)
def test_text_content_types(content_type: str, text: bool) -> None:
    assert is_text(content_type) is text


def test_binary_and_non_utf8_bodies_are_base64() -> None:
    assert encode_body(b"\x00\xff", "application/octet-stream") == ("AP8=", True)
    assert encode_body(b"\xff", "text/plain") == ("/w==", True)
    assert encode_body("héllo".encode(), "text/plain") == ("héllo", False)
    assert encode_body(b"a=1&b=2", "application/x-www-form-urlencoded") == (base64.b64encode(b"a=1&b=2").decode(), True)


# Response mapping (TestLambdaURL::test_lambda_url_invocation[*]) --------------------------------------
@pytest.mark.parametrize(
    "payload,body",
    [
        (b'{"hello": "world"}', b'{"hello":"world"}'),  # [dict]: Content-Length 17
        (b'{"statusCode": 200, "body": "body123"}', b"body123"),  # [http-response]
        (b'{"statusCode": 200, "body": "{\\"hello\\": \\"world\\"}"}', b'{"hello": "world"}'),  # 18
        (b'["hello", 3, true]', b'["hello",3,true]'),  # [list-mixed]
        (b'"hello"', b"hello"),  # [string]
        (b"3", b"3"),
        (b"3.1", b"3.1"),
        (b"true", b"true"),
        (b"null", b"null"),
    ],
)
def test_result_mapping(payload: bytes, body: bytes) -> None:
    response = mapping.map_result(payload)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.body == body


def test_http_response_object() -> None:
    payload = json.dumps({
        "statusCode": "418",
        "headers": {"Content-Type": "text/plain", "My-Custom-Header": "Custom Value", "X-Num": 7, "X-Bool": True,
                    "Content-Length": "999"},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": "i'm a teapot",
    }).encode()
    response = mapping.map_result(payload)
    assert response.status == 418
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["My-Custom-Header"] == "Custom Value"
    assert response.headers["X-Num"] == "7" and response.headers["X-Bool"] == "true"
    assert "Content-Length" not in response.headers
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert response.body == b"i'm a teapot"


def test_binary_response_body() -> None:
    payload = json.dumps({"statusCode": 201, "headers": {"Content-Type": "application/octet-stream"},
                          "body": base64.b64encode(b"A\x00\xff\n").decode(), "isBase64Encoded": True}).encode()
    response = mapping.map_result(payload)
    assert (response.status, response.body) == (201, b"A\x00\xff\n")


def test_status_only_response() -> None:
    response = mapping.map_result(b'{"statusCode": 204}')
    assert (response.status, response.body, response.headers["Content-Type"]) == (204, b"", "application/json")


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": 700, "body": "x"},
        {"statusCode": "abc"},
        {"statusCode": True},
        {"statusCode": 200, "body": {"not": "string"}},
        {"statusCode": 200, "body": "!!!not-base64!!!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": {"x-owned": {"bad": True}}},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_invalid_http_responses_are_502(result: dict) -> None:
    response = mapping.map_result(json.dumps(result).encode())
    assert (response.status, response.body) == (502, b"Internal Server Error")


def test_error_documents() -> None:
    unknown = mapping.unknown_url()
    assert (unknown.status, unknown.body) == (403, b'{"Message":null}')
    assert unknown.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert unknown.headers["Content-Type"] == "application/json"
    forbidden = mapping.forbidden()
    assert json.loads(forbidden.body) == {"Message": mapping.FORBIDDEN_MESSAGE}


# Streaming ---------------------------------------------------------------------------------------------
PRELUDE = json.dumps({"statusCode": 206, "headers": {"Content-Type": "text/x-stream", "X-Owned": "stream"},
                      "cookies": ["s=1; Path=/", "t=2"]}).encode() + b"\x00" * 8


def test_split_prelude() -> None:
    assert streaming.split_prelude(PRELUDE + b"body") == (json.loads(PRELUDE[:-8]), b"body")
    assert streaming.split_prelude(b"Hello, world!") == (None, b"Hello, world!")
    assert streaming.split_prelude(b"[1]" + b"\x00" * 8) == (None, b"[1]" + b"\x00" * 8)


def test_streamed_result_from_buffered_payload() -> None:
    response = streaming.from_buffered(PRELUDE + b"A\x00\xff\n", None)
    assert response.status == 206
    assert response.headers["Content-Type"] == "text/x-stream" and response.headers["X-Owned"] == "stream"
    assert response.headers.getlist("Set-Cookie") == ["s=1; Path=/", "t=2"]
    assert response.body == b"A\x00\xff\n"
    plain = streaming.from_buffered(b"Hello, world!", None)
    assert (plain.status, plain.body, plain.headers["Content-Type"]) == (200, b"Hello, world!", "application/octet-stream")
    non_streaming_handler = streaming.from_buffered(b'{"statusCode":200,"body":"x"}', None)
    assert non_streaming_handler.body == b'{"statusCode":200,"body":"x"}'
    assert streaming.from_buffered(b"{}", "Unhandled").status == 502


class FakeResult:
    """An ``InvocationResult`` of a streamed response; the error is known once the chunks ran out."""

    def __init__(self, content_type: Optional[str], chunks: list[bytes], error: Optional[str] = None) -> None:
        self.payload = b""
        self.content_type = content_type
        self.function_error: Optional[str] = None
        self.pulled: list[bytes] = []
        self._error = error
        self.chunks = self._iterate(chunks)

    def _iterate(self, chunks: list[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.pulled.append(chunk)
            yield chunk
        self.function_error = self._error


def test_stream_relays_chunks_lazily() -> None:
    result = FakeResult(streaming.INTEGRATION_CONTENT_TYPE, [PRELUDE[:10], PRELUDE[10:] + b"one", b"two", b"three"])
    response = streaming.from_result(result)
    assert response.status == 206 and response.streaming
    assert response.headers["X-Owned"] == "stream"
    assert len(result.pulled) == 2  # only the prelude was read before the status line
    body = iter(response.body)
    assert next(body) == b"one"
    assert len(result.pulled) == 2
    assert list(body) == [b"two", b"three"]


def test_stream_without_prelude_and_failures() -> None:
    plain = streaming.from_result(FakeResult("text/plain", [b"a", b"b"]))
    assert plain.status == 200 and plain.headers["Content-Type"] == "text/plain"
    assert b"".join(plain.body) == b"ab"
    assert streaming.from_result(FakeResult(streaming.INTEGRATION_CONTENT_TYPE, [], "Unhandled")).status == 502
    failed_later = streaming.from_result(FakeResult("text/plain", [b"a"], "Unhandled"))
    assert failed_later.status == 200 and b"".join(failed_later.body) == b"a"


def test_client_gone_drains_the_stream() -> None:
    result = FakeResult("text/plain", [b"a", b"b", b"c"])
    response = streaming.from_result(result)
    response.body.close()
    deadline = time.monotonic() + 5
    while len(result.pulled) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert result.pulled == [b"a", b"b", b"c"]


def test_streaming_handler_behind_a_buffered_url() -> None:
    whole = streaming.buffered(FakeResult(streaming.INTEGRATION_CONTENT_TYPE, [PRELUDE, b"x", b"y"]))
    assert (whole.status, whole.body, whole.streaming) == (206, b"xy", False)
    assert streaming.buffered(FakeResult("text/plain", [b"x"], "Unhandled")).status == 502


# CORS -----------------------------------------------------------------------------------------------------
CORS = {"AllowOrigins": ["https://allowed.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["x-custom", "content-type"], "ExposeHeaders": ["x-exposed"], "MaxAge": 300,
        "AllowCredentials": True}


def test_preflight() -> None:
    request = http_request("OPTIONS", headers=[("Origin", "https://allowed.example"),
                                               ("Access-Control-Request-Method", "POST")])
    assert cors.is_preflight(request)
    response = cors.preflight(CORS, request)
    assert response.status == 200 and response.body == b""
    assert response.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert response.headers["Access-Control-Allow-Headers"] == "x-custom,content-type"
    assert response.headers["Access-Control-Max-Age"] == "300"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    other = cors.preflight(CORS, http_request("OPTIONS", headers=[("Origin", "https://evil.example"),
                                                                   ("Access-Control-Request-Method", "GET")]))
    assert not [n for n in other.headers.keys() if n.lower().startswith("access-control-")]
    assert not cors.is_preflight(http_request("OPTIONS", headers=[("Origin", "https://allowed.example")]))


def test_cors_on_responses_replaces_function_headers() -> None:
    response = mapping.map_result(json.dumps({"statusCode": 200, "headers": {
        "Access-Control-Allow-Origin": "https://handler.example", "Access-Control-Max-Age": "17"}}).encode())
    request = http_request(headers=[("Origin", "https://allowed.example")])
    cors.apply(CORS, request, response)
    assert response.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    assert response.headers["Access-Control-Expose-Headers"] == "x-exposed"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Max-Age" not in response.headers
    wildcard = cors.apply({"AllowOrigins": ["*"]}, request, mapping.map_result(b"{}"))
    assert wildcard.headers["Access-Control-Allow-Origin"] == "*"
    no_origin = cors.apply(CORS, http_request(), mapping.map_result(b"{}"))
    assert "Access-Control-Allow-Origin" not in no_origin.headers


# Authorization -------------------------------------------------------------------------------------------
HOST = f"{URL_ID}.lambda-url.us-east-1.localhost.localstack.cloud:4566"


def signed(method: str, path: str, query: str = "", body: bytes = b"", secret: str = "test",
           region: str = "us-east-1", key: str = "111122223333", presign: bool = False) -> HttpRequest:
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    aws_request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    credentials = Credentials(key, secret)
    signer = SigV4QueryAuth(credentials, "lambda", region, expires=60) if presign else SigV4Auth(credentials, "lambda", region)
    signer.add_auth(aws_request)
    prepared = aws_request.prepare()
    target = prepared.url.split(HOST, 1)[1]
    path_part, _, query_part = target.partition("?")
    headers = [(k, v) for k, v in prepared.headers.items()]
    return http_request(method, path_part, query_part, headers, body, host=HOST)


@pytest.mark.parametrize(
    "path,query",
    [("/", ""), ("/a/b", "x=1&y=2&x=0"), ("/with%20space/and%2Fslash", "q=a%20b&empty="), ("/p/./q/../r", "")],
)
def test_sigv4_signatures_from_botocore_verify(path: str, query: str) -> None:
    request = signed("POST", path, query, b'{"k": "v"}')
    parts = auth.signed_request(request)
    assert parts is not None and parts.access_key_id == "111122223333"
    assert auth.verify(request, parts, "us-east-1")


def test_presigned_url_verifies() -> None:
    request = signed("GET", "/x", "a=1", presign=True)
    parts = auth.signed_request(request)
    assert parts is not None and parts.presigned
    assert auth.verify(request, parts, "us-east-1")
    expired = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=120)
    assert not auth.verify(request, parts, "us-east-1", now=expired)


def test_bad_signatures_fail() -> None:
    wrong = signed("POST", "/", secret="wrong")
    assert not auth.verify(wrong, auth.signed_request(wrong), "us-east-1")
    tampered = signed("POST", "/", body=b"{}")
    tampered.body = b'{"x": 1}'
    assert not auth.verify(tampered, auth.signed_request(tampered), "us-east-1")
    other_region = signed("POST", "/", region="eu-west-1")
    assert not auth.verify(other_region, auth.signed_request(other_region), "us-east-1")
    late = signed("POST", "/")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=20)
    assert not auth.verify(late, auth.signed_request(late), "us-east-1", now=later)
    assert auth.signed_request(http_request()) is None


def statement(principal, condition=None, action="lambda:InvokeFunctionUrl", effect="Allow") -> dict:
    result = {"Sid": "s", "Effect": effect, "Principal": principal, "Action": action, "Resource": "arn"}
    if condition:
        result["Condition"] = condition
    return result


def policy(*statements) -> dict:
    return {"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}


def test_policy_for_auth_none() -> None:
    none_condition = {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    assert auth.policy_allows(policy(statement("*", none_condition)), "NONE", None)
    assert auth.policy_allows(policy(statement("*")), "NONE", None)
    assert not auth.policy_allows(None, "NONE", None)
    assert not auth.policy_allows(policy(statement("*", action="lambda:InvokeFunction")), "NONE", None)
    assert not auth.policy_allows(policy(statement({"AWS": "arn:aws:iam::111122223333:root"})), "NONE", None)
    iam_condition = {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
    assert not auth.policy_allows(policy(statement("*", iam_condition)), "NONE", None)
    assert not auth.policy_allows(policy(statement("*", {"ArnLike": {"AWS:SourceArn": "arn:x"}})), "NONE", None)
    assert not auth.policy_allows(policy(statement("*"), statement("*", effect="Deny")), "NONE", None)
    assert auth.policy_allows(policy(statement("*", action="lambda:*")), "NONE", None)


def test_policy_for_aws_iam() -> None:
    condition = {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
    granted = policy(statement({"AWS": "arn:aws:iam::111122223333:root"}, condition))
    assert auth.policy_allows(granted, "AWS_IAM", "111122223333")
    assert not auth.policy_allows(granted, "AWS_IAM", "444455556666")
    assert auth.policy_allows(policy(statement({"AWS": "111122223333"})), "AWS_IAM", "111122223333")


# The route plugin ---------------------------------------------------------------------------------------
def test_router_matches_cheaply_without_loading_lambda() -> None:
    from providers.lambda_.function_urls.router import FunctionUrlRouter

    class NoProviders:
        @property
        def providers(self):  # any access would load the Lambda provider
            raise AssertionError("match must not touch providers")

    router = FunctionUrlRouter(NoProviders())
    assert router.match(http_request(path="/2015-03-31/functions/", host="localhost:4566")) is None
    handler = router.match(http_request(path="/x"))
    assert callable(handler) and handler.__name__ == "function_url"
    assert callable(router.match(http_request(path=f"/_aws/lambda-url/{URL_ID}/x", host="127.0.0.1:4566")))
