"""Telemetry API subscriptions as AWS's "Lambda Telemetry API" page bounds them:
buffering limits and defaults, an HTTP destination inside the environment."""

from __future__ import annotations

import json

import pytest

from providers.lambda_.invocation.telemetry import TelemetryValidationError, parse_subscription


def body(**changes) -> bytes:
    request = {"schemaVersion": "2022-12-13", "types": ["platform", "function"],
               "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:8080/telemetry"}}
    request.update(changes)
    return json.dumps(request).encode()


def test_defaults_and_the_destination_mapped_to_the_listener_host():
    subscription = parse_subscription("ext", body(), "10.0.0.7")
    assert (subscription.max_items, subscription.max_bytes, subscription.timeout_ms) == (10_000, 262_144, 1_000)
    assert (subscription.host, subscription.port, subscription.path) == ("10.0.0.7", 8080, "/telemetry")
    assert subscription.types == {"platform", "function"}


@pytest.mark.parametrize("buffering", [{"maxItems": 1000, "maxBytes": 262_144, "timeoutMs": 25},
                                       {"maxItems": 10_000, "maxBytes": 1_048_576, "timeoutMs": 30_000}])
def test_the_limits_themselves_are_accepted(buffering):
    subscription = parse_subscription("ext", body(buffering=buffering), "127.0.0.1")
    assert (subscription.max_items, subscription.max_bytes, subscription.timeout_ms) == tuple(buffering.values())


@pytest.mark.parametrize("changes, message", [
    ({"buffering": {"maxItems": 999}}, "buffering.maxItems should be between 1000 and 10000"),
    ({"buffering": {"maxBytes": 1_048_577}}, "buffering.maxBytes should be between 262144 and 1048576"),
    ({"buffering": {"timeoutMs": 24}}, "buffering.timeoutMs should be between 25 and 30000"),
    ({"buffering": {"timeoutMs": "100"}}, "buffering.timeoutMs should be between 25 and 30000"),
    ({"types": []}, "types should not be empty"),
    ({"types": ["platform", "logs"]}, "types should only contain platform, function, extension"),
    ({"destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain"}}, "URI port is not provided"),
    ({"types": [], "destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain"}},
     "types should not be empty; URI port is not provided"),
    ({"destination": {"protocol": "HTTP", "URI": "http://example.com:8080"}},
     "URI host should be sandbox.localdomain (Lambda only delivers inside the execution environment)"),
    ({"destination": {"protocol": "HTTP", "URI": "http://sandbox.localdomain:9001"}}, "URI port 9001 is reserved"),
    ({"destination": {"protocol": "TCP", "URI": "http://sandbox.localdomain:8080"}},
     "destination.protocol should be HTTP (TCP is not supported here)"),
    ({"schemaVersion": "2020-08-15"}, "schemaVersion should be one of 2022-07-01, 2022-12-13, 2025-01-29"),
])
def test_refusals_name_each_problem(changes, message):
    with pytest.raises(TelemetryValidationError) as refused:
        parse_subscription("ext", body(**changes), "127.0.0.1")
    assert str(refused.value) == message


def test_a_body_that_is_not_json():
    with pytest.raises(TelemetryValidationError, match="Invalid JSON"):
        parse_subscription("ext", b"{nope", "127.0.0.1")
