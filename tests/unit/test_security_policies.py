"""The browser guard's rules, one by one: which Host names name the gateway,
which origins are local, what a browser can send without a preflight.
(tests/integration/test_browser_guard.py runs them through a real gateway.)"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import Headers

from gateway.config import Config, ConfigError
from gateway.http import HttpRequest
from gateway.security.browser import browser_signal, is_form_content_type, was_preflighted
from gateway.security.hosts import HostPolicy, host_name
from gateway.security.origins import OriginPolicy, normalize, origin_of_referer


@pytest.mark.parametrize("value, name", [
    ("localhost:4566", "localhost"), ("LocalHost.", "localhost"), ("[::1]:4566", "[::1]"), ("[::1]", "[::1]"),
    ("127.0.0.1", "127.0.0.1"), ("a.b:1", "a.b"),
    ("a b", "a b"), ("x:port", None), ("[::1", None), ("[::1]x", None), ("::1", None), ("h:1:2", None),
])
def test_host_name(value: str, name: str) -> None:
    assert host_name(value) == name


def policy(*names: str, listen: str = "127.0.0.1") -> HostPolicy:
    return HostPolicy.from_settings(listen, names, enabled=True)


@pytest.mark.parametrize("host", [
    "", "localhost", "localhost:1", "a.localhost", "localhost.localstack.cloud", "b.s3.localhost.localstack.cloud:4566",
    "10.1.2.3", "[::1]:4566", "[fe80::1]", "255.255.255.255",
])
def test_default_hosts_served(host: str) -> None:
    assert policy().allows(host)


@pytest.mark.parametrize("host", [
    "evil.example.com", "localhostx", "xlocalhost", "localhost.evil.com", "localhost.localstack.cloud.evil",
    "127.0.0.1.nip.io", "1.2.3", "a b", "localhost:4566@evil.com", "lo_cal\x00host",
])
def test_other_hosts_refused(host: str) -> None:
    assert not policy().allows(host)


def test_configured_names_and_wildcards() -> None:
    hosts = policy("gateway.test", "*.wild.test", listen="devbox")
    assert hosts.allows("gateway.test") and hosts.allows("x.gateway.test:1")
    assert hosts.allows("a.wild.test") and not hosts.allows("wild.test")
    assert hosts.allows("devbox:4566") and hosts.allows("s3.devbox")
    assert not hosts.allows("xgateway.test") and not hosts.allows("gateway.test.evil")
    assert HostPolicy([], enabled=False).allows("evil.example.com")


@pytest.mark.parametrize("entry", ["*", "a:4566", "http://a", "a/b", "*.", "a..b"])
def test_bad_gateway_hostnames(entry: str) -> None:
    with pytest.raises(ConfigError, match="GATEWAY_HOSTNAMES"):
        policy(entry)


@pytest.mark.parametrize("value, expected", [
    ("http://localhost:3000", "http://localhost:3000"), ("HTTPS://App.Example.COM:443", "https://app.example.com"),
    ("http://[::1]:80", "http://[::1]"), ("http://a.test/", "http://a.test"), ("file://", "file://"),
    ("null", None), ("http://a.test/path", None), ("ftp://a.test", None), ("http://u:p@a.test", None),
    ("http://a.test:99999", None), ("", None),
])
def test_normalize(value: str, expected: str) -> None:
    assert normalize(value) == expected


def test_origin_of_referer() -> None:
    assert origin_of_referer("https://evil.example.com/a/b?c#d") == "https://evil.example.com"
    assert origin_of_referer("http://localhost:3000/") == "http://localhost:3000"
    assert origin_of_referer("not a url") is None


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost:3000", True), ("https://x.localhost", True), ("http://127.9.9.9:1", True),
    ("http://[::1]:5", True), ("https://a.b.localhost.localstack.cloud", True), ("file://", True),
    ("https://app.extra.test", True),
    ("http://localhost.evil.com", False), ("http://10.0.0.1", False), ("https://app.localstack.cloud", False),
    ("http://app.extra.test", False),
])
def test_origin_policy(origin: str, allowed: bool) -> None:
    origins = OriginPolicy(["https://app.extra.test/"])
    assert origins.allows(normalize(origin)) is allowed
    assert not origins.allows(None)
    assert OriginPolicy(["*"]).allows("https://anything.test")
    assert OriginPolicy([], enabled=False).allows(None)


def test_bad_extra_origins() -> None:
    with pytest.raises(ConfigError, match="EXTRA_CORS_ALLOWED_ORIGINS"):
        OriginPolicy(["app.example.com"])


def test_config_reads_the_variables() -> None:
    config = Config.from_env({"GATEWAY_HOSTNAMES": " a.test, *.b.test ,", "EXTRA_CORS_ALLOWED_ORIGINS": "https://x.test",
                              "DISABLE_CORS_CHECKS": "1", "DISABLE_HOST_CHECKS": "true"})
    assert config.gateway_hostnames == ("a.test", "*.b.test")
    assert config.extra_cors_allowed_origins == ("https://x.test",)
    assert config.disable_cors_checks and config.disable_host_checks
    with pytest.raises(ConfigError, match="DISABLE_CORS_CHECKS"):
        Config.from_env({"DISABLE_CORS_CHECKS": "maybe"})


@pytest.mark.parametrize("value, form", [
    ("text/plain", True), ("TEXT/PLAIN; charset=utf-8", True), ("multipart/form-data; boundary=x", True),
    ("application/x-www-form-urlencoded", True), ("application/json, text/plain", True),
    ("application/json", False), ("application/x-amz-json-1.1", False), ("", False),
])
def test_form_content_types(value: str, form: bool) -> None:
    assert is_form_content_type(value) is form


def request(method: str, **headers: str) -> HttpRequest:
    return HttpRequest(method, "/", headers=Headers({k.replace("_", "-"): v for k, v in headers.items()}))


def test_was_preflighted() -> None:
    assert not was_preflighted(request("POST", Content_Type="text/plain", Accept="*/*", Origin="https://e.test"))
    assert not was_preflighted(request("POST"))
    assert was_preflighted(request("PUT"))
    assert was_preflighted(request("POST", Content_Type="application/xml"))
    assert was_preflighted(request("POST", Content_Type="text/plain", Authorization="AWS4-HMAC-SHA256 ..."))
    assert was_preflighted(request("POST", X_Amz_Date="20240101T000000Z"))


def test_browser_signal() -> None:
    assert browser_signal(request("POST")) is None
    assert browser_signal(request("POST", Content_Type="application/json")) is None
    assert "Origin" in browser_signal(request("POST", Origin="http://localhost"))
    assert "Sec-Fetch-Mode" in browser_signal(request("POST", Sec_Fetch_Mode="navigate"))
    assert "text/plain" in browser_signal(request("POST", Content_Type="text/plain;charset=UTF-8"))
