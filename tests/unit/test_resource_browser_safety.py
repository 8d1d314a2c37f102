"""The resource browser's same-origin rule, case by case (providers/lambda_/ui/safety.py).

The browser tests (tests/integration/test_resource_browser.py) show a real
Chromium refused; these pin the header combinations one by one.
"""

from __future__ import annotations

from typing import Optional

import pytest
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest
from providers.lambda_.ui.safety import FormToken, foreign_origin


def request(host: str = "localhost:4566", **headers: str) -> HttpRequest:
    fields = Headers([("Host", host)] if host else [])
    for name, value in headers.items():
        fields.add(name.replace("_", "-"), value)
    return HttpRequest("POST", "/_gateway/ui/functions", headers=fields)


@pytest.mark.parametrize("host, headers", [
    ("localhost:4566", {}),  # curl, an SDK: no browser headers
    ("localhost:4566", {"Origin": "http://localhost:4566"}),
    ("LOCALHOST:4566", {"Origin": "http://localhost:4566"}),
    ("localhost:4566", {"Origin": "https://localhost:4566"}),  # behind a TLS proxy keeping Host
    ("127.0.0.1:80", {"Origin": "http://127.0.0.1"}),  # default port
    ("[::1]:4566", {"Origin": "http://[::1]:4566"}),
    ("localhost:4566", {"Referer": "http://localhost:4566/_gateway/ui/"}),
    ("localhost:4566", {"Sec_Fetch_Site": "same-origin"}),
    ("localhost:4566", {"Sec_Fetch_Site": "none"}),  # a typed URL or a bookmark
    ("localhost:4566", {"Origin": "http://localhost:4566", "Sec_Fetch_Site": "same-origin"}),
])
def test_own_pages_and_plain_clients_are_served(host: str, headers: dict) -> None:
    assert foreign_origin(request(host, **headers)) is None


@pytest.mark.parametrize("host, headers, reason", [
    ("localhost:4566", {"Origin": "https://evil.example.com"}, "origin 'https://evil.example.com'"),
    ("localhost:4566", {"Origin": "http://localhost:3000"}, "origin"),  # another local site
    ("localhost:4566", {"Origin": "http://127.0.0.1:4566"}, "origin"),  # another origin of the same gateway
    ("localhost:4566", {"Origin": "null"}, "origin 'null'"),
    ("localhost:4566", {"Origin": "file://"}, "origin"),
    ("localhost:4566", {"Referer": "https://evil.example.com/page"}, "referer"),
    ("localhost:4566", {"Sec_Fetch_Site": "cross-site"}, "Sec-Fetch-Site 'cross-site'"),
    ("localhost:4566", {"Sec_Fetch_Site": "same-site"}, "Sec-Fetch-Site 'same-site'"),
])
def test_any_other_origin_or_site_is_refused(host: str, headers: dict, reason: str) -> None:
    found: Optional[str] = foreign_origin(request(host, **headers))
    assert found is not None and found.startswith(reason), found


def test_the_form_token_is_compared_whole() -> None:
    token = FormToken()
    assert token.matches(token.value)
    assert not token.matches(None)
    assert not token.matches("")
    assert not token.matches(token.value[:-1])
    assert not token.matches(token.value + "x")
    assert FormToken().value != token.value
