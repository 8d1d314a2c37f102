"""The Runtime API's long poll is not cut by the gateway's connection deadlines (issue 8).

An idle environment waits in ``GET /2018-06-01/runtime/invocation/next`` for as long as
it is kept alive; the head, body and idle deadlines of the gateway's own server must not
end that wait, so after an idle longer than every deadline the same environment answers.
"""

from __future__ import annotations

import time

import pytest

from .conftest import client_for, create_function, invoke_json

DEADLINE = 1.0


@pytest.mark.parametrize("kind", ["python", "node"])
def test_an_idle_environment_outlives_the_connection_deadlines(special_gateway, kind):
    gateway = special_gateway(GATEWAY_HEADER_TIMEOUT=str(DEADLINE), GATEWAY_BODY_TIMEOUT=str(DEADLINE),
                              GATEWAY_IDLE_TIMEOUT=str(DEADLINE), GATEWAY_THREADS="4")
    client = client_for(gateway.url)
    name = create_function(client, kind)
    first = invoke_json(client, name)[1]["process"]
    time.sleep(DEADLINE * 2.5)  # the scenario: the environment idles past every deadline
    again = invoke_json(client, name)[1]["process"]
    assert again == first, "the same warm environment answered: its long poll survived"
