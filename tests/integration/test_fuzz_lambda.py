"""Property-based fuzzing of every Lambda operation through a real gateway process.

For each operation of the Lambda model, hypothesis generates input params from
the botocore input shape (random strings with unicode and control characters,
huge and negative numbers, missing and extra members), serializes them with
botocore's own rest-json client serializer, then maybe breaks the request
(a member of the wrong type, unknown keys, a dropped required member, a random
raw body, garbage headers or query parameters) and sends it over HTTP.

Whatever arrives, the gateway must answer without a 5xx (except 501 for an
operation the provider lists as not implemented), every error must be a
well-formed rest-json error (``x-amzn-ErrorType`` and a JSON object body that
botocore's own parser reads), every success must parse with botocore, and the
gateway must keep serving. Deterministic (``derandomize=True``) and bounded:
``FUZZ_EXAMPLES`` examples per operation (default 20; the whole module runs in
well under a minute).
"""

from __future__ import annotations

import json
import os
import re
import socket
import string
from datetime import datetime, timezone
from typing import Optional

import botocore.session
import pytest
import requests
from botocore.awsrequest import prepare_request_dict
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser as create_response_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
MODEL = botocore.session.get_session().get_service_model("lambda")
OPERATIONS = sorted(MODEL.operation_names)
SERIALIZER = create_serializer("rest-json", include_validation=False)
RESPONSE_PARSER = create_response_parser("rest-json")
MAX_DEPTH = 4

FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# -- values -------------------------------------------------------------------------------

TRICKY_STRINGS = [
    "",
    " ",
    "a" * 300,
    "$LATEST",
    "arn:aws:lambda:us-east-1:000000000000:function:fuzz",
    "arn:aws:lambda:us-east-1:000000000000:function:fuzz:$LATEST",
    "../../etc/passwd",
    "%2F%00%ZZ",
    "f\u00e9\u20ac\U0001F600",
    "\x00\x01\x1f\x7f",
    "line\nbreak\r\n",
    "\ud800",
    "{}",
    "null",
    "1" * 40,
]
# Header values must survive http.client (latin-1, no CR/LF).
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40
).map(str.strip)
ANY_TEXT = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8"), max_size=80),
    st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=70),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_STRATEGIES: dict[tuple[str, int, bool], st.SearchStrategy] = {}


def value_for(shape: Shape, depth: int = 0, header: bool = False) -> st.SearchStrategy:
    """Type-valid values for ``shape`` (botocore can serialize them), constraints ignored."""
    key = (shape.name, depth, header)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = _build(shape, depth, header)
    return _STRATEGIES[key]


def _build(shape: Shape, depth: int, header: bool) -> st.SearchStrategy:
    type_name = shape.type_name
    meta = shape.metadata
    if type_name == "structure":
        if shape.is_document_type:
            return JSON_VALUES
        if depth >= MAX_DEPTH:
            return st.just({})
        members = {
            name: value_for(member, depth + 1, member.serialization.get("location") == "header")
            for name, member in shape.members.items()
        }
        required = {name: members[name] for name in shape.required_members if name in members}
        optional = {name: strategy for name, strategy in members.items() if name not in required}
        return st.one_of(
            st.fixed_dictionaries(required, optional=optional),
            st.fixed_dictionaries({}, optional=members),
        )
    if type_name == "list":
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(value_for(shape.member, depth + 1, header), max_size=4)
    if type_name == "map":
        if depth >= MAX_DEPTH:
            return st.just({})
        return st.dictionaries(value_for(shape.key, depth + 1), value_for(shape.value, depth + 1), max_size=3)
    if type_name == "string":
        text = HEADER_TEXT if header else ANY_TEXT
        if "enum" in meta:
            return st.one_of(st.sampled_from(meta["enum"]), text)
        matching = None if header else _matching(meta)
        return st.one_of(matching, text) if matching is not None else text
    if type_name in ("integer", "long", "short", "byte"):
        low, high = meta.get("min", 0), meta.get("max", 1000)
        return st.one_of(
            st.integers(int(low) - 2, int(high) + 2),
            st.integers(-(2**63), 2**63 - 1),
            st.sampled_from([0, -1, 2**31, -(2**31) - 1, 2**63 - 1, 2**64]),
        )
    if type_name in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=64)
    if type_name == "boolean":
        return st.booleans()
    if type_name == "blob":
        return st.binary(max_size=64)
    if type_name == "timestamp":
        return st.datetimes(
            min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)
        )
    return st.none()


def _matching(meta: dict) -> Optional[st.SearchStrategy]:
    """Strings that satisfy the model's pattern and length, so that requests
    also get past validation into the provider."""
    pattern = meta.get("pattern")
    if not pattern:
        return None
    try:
        re.compile(pattern)
    except re.error:
        return None
    low, high = meta.get("min", 0), min(meta.get("max", 200), 200)
    return st.from_regex(pattern, fullmatch=True).filter(lambda text: low <= len(text) <= high)


# -- requests -----------------------------------------------------------------------------

MUTATIONS = ["none", "none", "wrong-type", "extra-keys", "drop-required", "raw-body", "headers", "query", "gzip"]


def build_request(operation: OperationModel, params: dict, mutation: str, data) -> Optional[dict]:
    try:
        request = SERIALIZER.serialize_to_request(params, operation)
        prepare_request_dict(request, endpoint_url="http://gateway")
    except Exception:  # noqa: BLE001 - a value botocore itself cannot put on the wire
        return None
    body = request["body"]
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = {name: str(value) for name, value in request["headers"].items()}
    url = request["url"]
    document = _json_object(body) if operation.input_shape is not None else None

    if mutation == "wrong-type" and document is not None:
        members = list(document) or ["FunctionName"]
        member = data.draw(st.sampled_from(members), label="member")
        document[member] = data.draw(JSON_VALUES, label="wrong value")
        body = json.dumps(document).encode()
    elif mutation == "extra-keys" and document is not None:
        document.update(data.draw(st.dictionaries(st.text(max_size=12), JSON_VALUES, min_size=1, max_size=3)))
        body = json.dumps(document).encode()
    elif mutation == "drop-required" and document:
        document.pop(data.draw(st.sampled_from(sorted(document))), None)
        body = json.dumps(document).encode()
    elif mutation == "raw-body":
        body = data.draw(st.one_of(st.binary(max_size=200), st.text(max_size=100).map(str.encode)), label="body")
    elif mutation == "headers":
        names = [m.serialization.get("name", n) for n, m in _located(operation, "header")]
        names += ["Content-Type", "Content-Encoding", "X-Amz-Target", "X-Amz-Date", "X-Fuzz"]
        for _ in range(data.draw(st.integers(1, 4))):
            headers[data.draw(st.sampled_from(names))] = data.draw(HEADER_TEXT, label="header value")
    elif mutation == "query":
        names = [m.serialization.get("name", n) for n, m in _located(operation, "querystring")] + ["x", "Qualifier"]
        pairs = data.draw(st.lists(st.tuples(st.sampled_from(names), st.text(max_size=20)), min_size=1, max_size=3))
        extra = "&".join(f"{requests.utils.quote(k)}={requests.utils.quote(v)}" for k, v in pairs)
        url += ("&" if "?" in url else "?") + extra
    elif mutation == "gzip":
        headers["Content-Encoding"] = "gzip"  # but the body is not gzip
    return {"method": request["method"], "url": url, "headers": headers, "body": body}


def _json_object(body: bytes) -> Optional[dict]:
    try:
        document = json.loads(body) if body else {}
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _located(operation: OperationModel, location: str) -> list[tuple[str, Shape]]:
    shape = operation.input_shape
    if shape is None:
        return []
    return [(n, m) for n, m in shape.members.items() if m.serialization.get("location") == location]


def send(session: requests.Session, base_url: str, request: dict) -> requests.Response:
    url = base_url + request["url"][len("http://gateway"):]
    headers = {"Authorization": AUTH, **request["headers"]}
    return session.request(request["method"], url, headers=headers, data=request["body"], timeout=60)


def check_response(operation: OperationModel, request: dict, response: requests.Response) -> None:
    status = response.status_code
    context = f"{operation.name} {request['method']} {request['url']} -> {status}: {response.text[:800]}"
    error_type = response.headers.get("x-amzn-ErrorType", "").split(":")[0]
    if status >= 500:
        body = _json_object(response.content) or {}
        not_implemented = status == 501 and "is not implemented" in str(body.get("message", body.get("Message", "")))
        assert not_implemented, context
    if status >= 400:
        assert error_type, context
        body = _json_object(response.content)
        assert body is not None, context
        parsed = RESPONSE_PARSER.parse(
            {"status_code": status, "headers": response.headers, "body": response.content}, operation.output_shape
        )
        assert parsed["Error"]["Code"] == error_type, context
        assert "Traceback" not in response.text, context
        return
    if operation.has_event_stream_output:
        return
    RESPONSE_PARSER.parse(
        {"status_code": status, "headers": response.headers, "body": response.content}, operation.output_shape
    )


# -- tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session(gateway_url):
    requests.post(gateway_url + "/_gateway/reset", timeout=30)
    with requests.Session() as session:
        yield session
    requests.post(gateway_url + "/_gateway/reset", timeout=30)
    assert requests.get(gateway_url + "/_gateway/health", timeout=10).status_code == 200


@pytest.mark.parametrize("operation_name", OPERATIONS)
def test_fuzz_operation(gateway_url, session, operation_name):
    operation = MODEL.operation_model(operation_name)
    params_strategy = value_for(operation.input_shape) if operation.input_shape is not None else st.just({})

    @FUZZ_SETTINGS
    @given(params=params_strategy, mutation=st.sampled_from(MUTATIONS), data=st.data())
    def fuzz(params, mutation, data):
        request = build_request(operation, params, mutation, data)
        assume(request is not None)
        note(f"request: {request}")
        response = send(session, gateway_url, request)
        event(f"{response.status_code} {response.headers.get('x-amzn-ErrorType', '')}")
        check_response(operation, request, response)

    fuzz()


@settings(FUZZ_SETTINGS, max_examples=FUZZ_EXAMPLES * 10)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
    segments=st.lists(st.sampled_from(["2015-03-31", "2017-10-31", "2018-10-31", "2019-09-25", "2020-06-30",
                                       "2021-10-31", "functions", "f", "layers", "versions", "aliases",
                                       "policy", "event-source-mappings", "tags", "url", "invocations",
                                       "concurrency", "%2F", "..", "%00", "\u00e9"]), min_size=1, max_size=6),
    query=st.text(max_size=30),
    body=st.one_of(st.binary(max_size=100), JSON_VALUES.map(lambda v: json.dumps(v).encode())),
)
def test_fuzz_paths(gateway_url, session, method, segments, query, body):
    """Random paths and methods under Lambda's API prefixes: routing never fails with a 5xx."""
    path = "/" + "/".join(requests.utils.quote(s, safe="%") for s in segments)
    url = f"{gateway_url}{path}?{requests.utils.quote(query, safe='=&')}"
    response = session.request(method, url, headers={"Authorization": AUTH}, data=body, timeout=60)
    note(f"{method} {url} -> {response.status_code} {response.text[:300]}")
    if method == "HEAD":
        assert response.status_code < 500 or response.status_code == 501
        return
    if response.status_code >= 400:
        assert response.status_code < 500 or response.status_code == 501, response.text[:500]
        assert response.headers.get("x-amzn-ErrorType"), response.text[:500]
        assert isinstance(_json_object(response.content), dict), response.text[:500]


HTTP_TOKEN = st.text(string.ascii_letters + string.digits + "-_.!#$%&'*+^`|~", min_size=1, max_size=12)
RAW_BYTES = st.binary(max_size=60)
RAW_HEADER = st.one_of(
    st.tuples(HTTP_TOKEN, RAW_BYTES).map(lambda kv: kv[0].encode() + b": " + kv[1].replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from([
        b"Content-Length: 5", b"Content-Length: -1", b"Content-Length: 99999999999999999999", b"Content-Length: x",
        b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked", b"Expect: 100-continue",
        b"Content-Encoding: gzip", b"Connection: close", b"Host: ", b"Authorization: AWS4-HMAC-SHA256 Credential=",
        b"X-Amz-Target: Lambda.Nope", b"no colon here", b" leading: space", b"\xff\xfe: \x00",
    ]),
)


@settings(FUZZ_SETTINGS, max_examples=FUZZ_EXAMPLES * 10)
@given(
    method=st.one_of(st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE"]), HTTP_TOKEN.map(str.encode), RAW_BYTES),
    path=st.one_of(st.sampled_from([b"/2015-03-31/functions", b"/2015-03-31/functions/f/invocations", b"/"]), RAW_BYTES),
    version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.1", b"HTTP/1.x", b""]),
    headers=st.lists(RAW_HEADER, max_size=6),
    body=st.binary(max_size=100),
)
def test_fuzz_raw_http(gateway_url, session, method, path, version, headers, body):
    """Raw bytes in the request line, headers and body: an answer below 500 (or a
    closed connection), never a hang, and the gateway keeps serving."""
    head = b" ".join(part for part in (method, path, version) if part is not None)
    auth = b"Authorization: " + AUTH.encode()
    raw = head + b"\r\n" + b"\r\n".join([auth, *headers]) + b"\r\n\r\n" + body
    host, port = gateway_url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)  # no more bytes: the gateway must answer or close now
        answer = b""
        while len(answer) < 65536:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    note(f"{raw!r} -> {answer[:300]!r}")
    if answer:
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 "), answer[:300]
        status = int(status_line.split(b" ")[1])
        assert status < 500 or status in (501, 505), answer[:500]
        assert b"Traceback" not in answer


def test_gateway_still_serves_after_fuzzing(gateway_url, session):
    assert requests.get(gateway_url + "/_gateway/health", timeout=10).json()["services"]["lambda"] == "running"
    listed = session.get(gateway_url + "/2015-03-31/functions", headers={"Authorization": AUTH}, timeout=30)
    assert listed.status_code == 200, listed.text[:500]
