"""The gateway refuses what a web page makes the developer's browser send.

Real gateway processes, driven with ``requests`` and raw sockets in the exact
shapes a browser sends (``Origin``, ``Referer``, ``Sec-Fetch-*``, a form's
``Content-Type``, a rebound ``Host``), and checked afterwards with signed boto3
calls. Each attack is paired with the same request minus what marks it as a
browser's, which succeeds: the refusal is the guard's, not a broken request.
``test_browser_chromium.py`` replays the attacks from a real Chromium.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.support.browser_attack import (
    SECURITY_DEFAULTS,
    client,
    create_function_body,
    Marker,
    create_marker_function,
    files_under,
    function_exists,
)
from tests.support.gateway_process import ROOT, GatewayProcess

EVIL = "https://evil.example.com"


def unique(prefix: str = "guard") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def marker() -> Iterator[Marker]:
    listener = Marker()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("guard-data")


@pytest.fixture(scope="module")
def guarded(data_dir: Path) -> Iterator[GatewayProcess]:
    """Default security settings, state persisted under ``data_dir``."""
    env = dict(SECURITY_DEFAULTS, PERSISTENCE="1", DATA_DIR=str(data_dir))
    with GatewayProcess(env=env) as process:
        yield process


@pytest.fixture(scope="module")
def widened() -> Iterator[GatewayProcess]:
    env = dict(SECURITY_DEFAULTS, EXTRA_CORS_ALLOWED_ORIGINS="https://app.example.com, http://tool.test:8080/",
               GATEWAY_HOSTNAMES="example.test,*.wild.test")
    with GatewayProcess(env=env) as process:
        yield process


@pytest.fixture(scope="module")
def unchecked() -> Iterator[GatewayProcess]:
    env = dict(SECURITY_DEFAULTS, DISABLE_CORS_CHECKS="1", DISABLE_HOST_CHECKS="1")
    with GatewayProcess(env=env) as process:
        yield process


def send(gateway: GatewayProcess, method: str, path: str, headers: dict[str, str], body: Any = None) -> requests.Response:
    return requests.request(method, gateway.url + path, headers=headers, data=body, timeout=30)


def assert_refused(response: requests.Response, variable: str) -> None:
    assert response.status_code == 403, response.text
    assert "AccessDenied" in response.text and "Request refused" in response.text, response.text
    assert variable in response.text, response.text
    assert not any(name.lower().startswith("access-control-") for name in response.headers), response.headers


# Cross-site requests to the API ----------------------------------------------------------
def test_cross_site_create_function_is_refused_and_creates_nothing(guarded: GatewayProcess) -> None:
    name = unique()
    attack = {"Origin": EVIL, "Content-Type": "text/plain;charset=UTF-8"}
    refused = send(guarded, "POST", "/2015-03-31/functions", attack, create_function_body(name))
    assert_refused(refused, "EXTRA_CORS_ALLOWED_ORIGINS")
    assert "evil.example.com" in refused.text
    assert not function_exists(guarded.url, name)
    assert f"refused (origin '{EVIL}') POST /2015-03-31/functions => 403" in guarded.logs()
    # The same body from a plain client (no Origin) is a working CreateFunction.
    created = send(guarded, "POST", "/2015-03-31/functions", {"Content-Type": "text/plain"}, create_function_body(name))
    assert created.status_code == 201, created.text
    assert function_exists(guarded.url, name)


def test_cross_site_invoke_is_refused_and_runs_nothing(guarded: GatewayProcess, marker: Marker) -> None:
    name = unique()
    create_marker_function(guarded.url, name)
    payload = marker.payload()
    for attack in ({"Origin": EVIL}, {"Referer": f"{EVIL}/page.html"}, {"Origin": "null"}):
        refused = send(guarded, "POST", f"/2015-03-31/functions/{name}/invocations",
                       dict(attack, **{"Content-Type": "text/plain"}), payload)
        assert_refused(refused, "DISABLE_CORS_CHECKS")
    assert not marker.was_hit()
    client(guarded.url).invoke(FunctionName=name, Payload=payload.encode())
    assert marker.was_hit()


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.com"},
    {"Origin": "http://127.0.0.1.nip.io:4566"},
    {"Origin": "https://localhost.localstack.cloud.evil.com"},
    {"Origin": "http://evillocalhost:3000"},
    {"Origin": "https://app.localstack.cloud"},
    {"Referer": "https://evil.example.com/attack.html"},
    {"Referer": "not a url"},
    # A cross-site page with Referrer-Policy: no-referrer sends no Origin on a GET.
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
], ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_foreign_origins_are_refused(guarded: GatewayProcess, headers: dict[str, str]) -> None:
    assert_refused(send(guarded, "GET", "/2015-03-31/functions", headers), "EXTRA_CORS_ALLOWED_ORIGINS")


@pytest.mark.parametrize("origin", [
    "http://localhost:3000", "https://localhost", "http://127.0.0.1:8080", "http://127.0.0.2",
    "http://[::1]:5173", "http://app.localhost:5173", "http://localhost.localstack.cloud:4566",
    "https://ui.localhost.localstack.cloud", "HTTP://LOCALHOST:3000", "file://",
])
def test_local_origins_get_cors_answers(guarded: GatewayProcess, origin: str) -> None:
    response = send(guarded, "GET", "/2015-03-31/functions", {"Origin": origin})
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "x-amz-function-error" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("headers", [
    {}, {"Referer": "http://localhost:3000/app"}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
])
def test_requests_naming_no_foreign_origin_pass_without_cors_headers(guarded: GatewayProcess, headers: dict) -> None:
    response = send(guarded, "GET", "/2015-03-31/functions", headers)
    assert response.status_code == 200, response.text
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_from_a_local_origin_is_answered_and_a_foreign_one_refused(guarded: GatewayProcess) -> None:
    asked = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,x-amz-date,x-custom-thing",
             "Access-Control-Request-Private-Network": "true"}
    answered = send(guarded, "OPTIONS", "/2015-03-31/functions", dict(asked, Origin="http://localhost:3000"))
    assert answered.status_code == 204, answered.text
    assert answered.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "POST" in answered.headers["Access-Control-Allow-Methods"].split(",")
    allowed_headers = answered.headers["Access-Control-Allow-Headers"].split(",")
    assert {"authorization", "x-amz-date", "x-custom-thing"} <= set(allowed_headers)
    assert answered.headers["Access-Control-Allow-Private-Network"] == "true"
    assert_refused(send(guarded, "OPTIONS", "/2015-03-31/functions", dict(asked, Origin=EVIL)), "DISABLE_CORS_CHECKS")


def test_a_json_client_gets_the_refusal_as_json(guarded: GatewayProcess) -> None:
    response = send(guarded, "POST", "/", {"Origin": EVIL, "Content-Type": "application/x-amz-json-1.1",
                                           "X-Amz-Target": "AWSEvents.ListRules"}, "{}")
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDenied"
    assert response.json()["message"].startswith("Request refused: origin 'https://evil.example.com'")


# Admin calls that change state ------------------------------------------------------------
BROWSER_SHAPES = [
    {"Origin": EVIL},
    {"Origin": "http://localhost:3000"},  # even an allowed origin: a page must never reset the gateway
    {"Referer": "http://localhost:3000/"},
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "application/json, text/plain"},
    {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
    {"Sec-Fetch-Mode": "no-cors"},
]


def test_reset_refuses_every_browser_shape_and_keeps_state_on_disk(guarded: GatewayProcess, data_dir: Path) -> None:
    name = unique()
    create_marker_function(guarded.url, name)
    before = files_under(data_dir)
    assert any(name in path for path in before), before
    for path in ("/_gateway/reset", "/_localstack/state/reset", "/_gateway/reset/"):
        for headers in BROWSER_SHAPES:
            refused = send(guarded, "POST", path, headers, "x=y")
            assert refused.status_code == 403, (path, headers, refused.text)
            assert "non-browser clients" in refused.json()["message"], refused.text
    # A preflight asking to reset is refused too, so no browser ever sends the POST.
    preflight = send(guarded, "OPTIONS", "/_gateway/reset",
                     {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    assert files_under(data_dir) == before
    assert function_exists(guarded.url, name)
    # Health stays readable (no state changes), from plain clients and local pages.
    assert send(guarded, "GET", "/_gateway/health", {"Origin": "http://localhost:3000"}).status_code == 200
    # curl's and the SDKs' shape still resets.
    assert send(guarded, "POST", "/_gateway/reset", {}).json() == {"reset": True}
    assert not function_exists(guarded.url, name)
    assert not any(name in path for path in files_under(data_dir))


def test_admin_calls_stay_refused_to_browsers_with_cors_checks_off(unchecked: GatewayProcess) -> None:
    refused = send(unchecked, "POST", "/_gateway/reset", {"Origin": EVIL})
    assert refused.status_code == 403 and "non-browser clients" in refused.text
    refused = send(unchecked, "POST", "/_localstack/state/reset", {"Content-Type": "text/plain"}, "x")
    assert refused.status_code == 403


# Host names (DNS rebinding) ---------------------------------------------------------------
@pytest.mark.parametrize("host", [
    "evil.example.com", "evil.example.com:{port}", "localhost.evil.com:{port}", "127.0.0.1.nip.io:{port}",
    "evil-localhost:{port}", "localhost.localstack.cloud.evil.com", "s3.amazonaws.com", "localhost:{port}@evil.com",
    "abc.lambda-url.us-east-1.on.aws:{port}", "bad host", "[::1",
])
def test_foreign_host_names_are_refused_everywhere(guarded: GatewayProcess, host: str) -> None:
    host = host.format(port=guarded.port)
    for path in ("/2015-03-31/functions", "/_gateway/health", "/_localstack/health", "/_aws/lambda/runtimes"):
        response = send(guarded, "GET", path, {"Host": host})
        assert_refused(response, "GATEWAY_HOSTNAMES")
        assert "DISABLE_HOST_CHECKS" in response.text


@pytest.mark.parametrize("host", [
    "localhost:{port}", "LOCALHOST.:{port}", "127.0.0.1:{port}", "[::1]:{port}", "192.168.1.5:4566", "10.0.0.1",
    "localhost.localstack.cloud:{port}", "sqs.eu-west-1.localhost.localstack.cloud:{port}",
    "my-bucket.s3.localhost.localstack.cloud:{port}", "my.bucket.s3.localhost:{port}",
    "abc123.lambda-url.us-east-1.localhost.localstack.cloud:{port}", "anything.localhost",
])
def test_gateway_host_names_are_served(guarded: GatewayProcess, host: str) -> None:
    response = send(guarded, "GET", "/_gateway/health", {"Host": host.format(port=guarded.port)})
    assert response.status_code == 200, response.text


def raw_exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_a_request_without_host_is_served(guarded: GatewayProcess) -> None:
    """HTTP/1.0 allows it, and no browser sends one: it cannot be a rebinding page's."""
    answer = raw_exchange(guarded.port, b"GET /_gateway/health HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and b'"services"' in answer, answer[:300]


def test_gateway_hostnames_and_extra_origins_widen_the_lists(widened: GatewayProcess) -> None:
    for host in ("example.test", "api.example.test:4566", "a.wild.test", "x.y.wild.test:1"):
        assert send(widened, "GET", "/_gateway/health", {"Host": host}).status_code == 200, host
    for host in ("wild.test", "example.test.evil.com", "notexample.test"):
        assert_refused(send(widened, "GET", "/_gateway/health", {"Host": host}), "GATEWAY_HOSTNAMES")
    for origin in ("https://app.example.com", "http://tool.test:8080", "HTTPS://APP.EXAMPLE.COM:443"):
        response = send(widened, "GET", "/2015-03-31/functions", {"Origin": origin})
        assert response.status_code == 200, (origin, response.text)
        assert response.headers["Access-Control-Allow-Origin"] == origin
    for origin in ("https://other.example.com", "http://app.example.com", "http://tool.test:8081"):
        assert_refused(send(widened, "GET", "/2015-03-31/functions", {"Origin": origin}), "EXTRA_CORS_ALLOWED_ORIGINS")


def test_a_function_url_under_a_gateway_hostname(widened: GatewayProcess) -> None:
    name = unique()
    create_marker_function(widened.url, name)
    lam = client(widened.url)
    url_id = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"].split("//")[1].split(".")[0]
    response = send(widened, "POST", "/", {"Host": f"{url_id}.lambda-url.us-east-1.example.test"}, '{}')
    assert response.status_code == 200 and response.json() == {"ran": True}, response.text


def test_checks_can_be_turned_off(unchecked: GatewayProcess) -> None:
    response = send(unchecked, "GET", "/2015-03-31/functions", {"Origin": EVIL, "Host": "evil.example.com"})
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    local = send(unchecked, "GET", "/2015-03-31/functions", {"Origin": "http://localhost:3000"})
    assert local.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


@pytest.mark.parametrize("variable, value", [
    ("EXTRA_CORS_ALLOWED_ORIGINS", "app.example.com"),
    ("EXTRA_CORS_ALLOWED_ORIGINS", "https://app.example.com/path"),
    ("GATEWAY_HOSTNAMES", "gateway.test:4566"),
    ("GATEWAY_HOSTNAMES", "*"),
    ("DISABLE_CORS_CHECKS", "maybe"),
    ("DISABLE_HOST_CHECKS", "maybe"),
])
def test_a_wrong_value_is_a_startup_error_naming_the_variable(variable: str, value: str) -> None:
    env = dict(GatewayProcess().env, **{variable: value})
    done = subprocess.run([sys.executable, "-m", "gateway"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "configuration error" in done.stderr and variable in done.stderr, done.stderr


# Where AWS defines CORS itself -------------------------------------------------------------
@pytest.fixture(scope="module")
def cors_url(guarded: GatewayProcess) -> str:
    name = unique("cors")
    create_marker_function(guarded.url, name)
    cors = {"AllowOrigins": ["https://shop.example"], "AllowMethods": ["POST"], "AllowHeaders": ["content-type"],
            "MaxAge": 60}
    url = client(guarded.url).create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)["FunctionUrl"]
    return url.split("//")[1].split(".")[0]


def test_function_url_preflights_follow_the_url_cors_config_from_any_origin(guarded: GatewayProcess, cors_url: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    host = {"Host": f"{cors_url}.lambda-url.us-east-1.localhost.localstack.cloud:{guarded.port}"}
    for path, extra in ((f"/_aws/lambda-url/{cors_url}/", {}), ("/", host)):
        allowed = send(guarded, "OPTIONS", path, dict(preflight, Origin="https://shop.example", **extra))
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
        assert allowed.headers["Access-Control-Allow-Methods"] == "POST"
        assert allowed.headers["Access-Control-Max-Age"] == "60"
        other = send(guarded, "OPTIONS", path, dict(preflight, Origin=EVIL, **extra))
        assert other.status_code == 200, other.text  # AWS answers, without CORS headers
        assert "Access-Control-Allow-Origin" not in other.headers
        assert "Request refused" not in other.text


def test_function_url_is_public_to_any_origin_as_on_aws(guarded: GatewayProcess, cors_url: str, marker: Marker) -> None:
    response = send(guarded, "POST", f"/_aws/lambda-url/{cors_url}/", {"Origin": EVIL, "Content-Type": "text/plain"},
                    marker.payload())
    assert response.status_code == 200, response.text
    assert "Access-Control-Allow-Origin" not in response.headers
    assert marker.was_hit()


def test_s3_bucket_cors_decides_for_foreign_origins(guarded: GatewayProcess) -> None:
    s3 = client(guarded.url, "s3")
    bucket = unique("cors")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://shop.example"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"]}]})
    # The preflight of a browser upload (PUT of a new key), answered by S3's rules.
    preflight = {"Access-Control-Request-Method": "PUT"}
    allowed = send(guarded, "OPTIONS", f"/{bucket}/upload.txt", dict(preflight, Origin="https://shop.example"))
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "PUT" in allowed.headers["Access-Control-Allow-Methods"]
    refused = send(guarded, "OPTIONS", f"/{bucket}/upload.txt", dict(preflight, Origin=EVIL))
    assert refused.status_code == 403 and "CORSResponse" in refused.text, refused.text  # S3's answer, not the guard's
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept", ACL="public-read")
    read = send(guarded, "GET", f"/{bucket}/k", {"Origin": "https://shop.example"})
    assert (read.status_code, read.content) == (200, b"kept")
    # A POST a form can send reached no preflight, so no bucket rule approved it:
    # DeleteObjects from a foreign page is refused (AWS would demand a signature).
    delete = b'<Delete><Object><Key>k</Key></Object></Delete>'
    for origin in (EVIL, "https://shop.example"):
        refused = send(guarded, "POST", f"/{bucket}?delete", {"Origin": origin, "Content-Type": "text/plain"}, delete)
        assert_refused(refused, "EXTRA_CORS_ALLOWED_ORIGINS")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"kept"
