"""The server's variables: defaults, their meaning in ServerLimits, wrong values refused at start."""

from __future__ import annotations

import pytest

from gateway.config import ENVIRONMENT, Config, ConfigError

VARIABLES = ["GATEWAY_THREADS", "GATEWAY_HEADER_TIMEOUT", "GATEWAY_BODY_TIMEOUT", "GATEWAY_IDLE_TIMEOUT",
             "GATEWAY_MAX_HEADER_BYTES", "GATEWAY_SPOOL_BODY_BYTES", "GATEWAY_MAX_BODY_BYTES"]


def test_defaults():
    limits = Config.from_env({}).server_limits()
    assert (limits.max_workers, limits.header_timeout, limits.body_timeout, limits.idle_timeout) == (2048, 20, 20, 60)
    assert (limits.max_header_bytes, limits.spool_body_bytes, limits.max_body_bytes) == (65536, 1 << 20, 100 << 20)
    for name in VARIABLES:  # documented, with the default the code uses
        assert name in ENVIRONMENT


def test_values_reach_the_server():
    limits = Config.from_env({
        "GATEWAY_THREADS": "8", "GATEWAY_HEADER_TIMEOUT": "0.5", "GATEWAY_BODY_TIMEOUT": "3",
        "GATEWAY_IDLE_TIMEOUT": "7.5", "GATEWAY_MAX_HEADER_BYTES": "4096", "GATEWAY_SPOOL_BODY_BYTES": "0",
    }).server_limits()
    assert (limits.max_workers, limits.header_timeout, limits.body_timeout, limits.idle_timeout) == (8, 0.5, 3, 7.5)
    assert (limits.max_header_bytes, limits.spool_body_bytes) == (4096, 0)


@pytest.mark.parametrize("name, value", [
    ("GATEWAY_HEADER_TIMEOUT", "0"), ("GATEWAY_BODY_TIMEOUT", "-1"), ("GATEWAY_IDLE_TIMEOUT", "soon"),
    ("GATEWAY_IDLE_TIMEOUT", "inf"), ("GATEWAY_THREADS", "0"), ("GATEWAY_MAX_HEADER_BYTES", "100"),
])
def test_wrong_values_are_a_start_up_error(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})
