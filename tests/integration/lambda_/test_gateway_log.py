"""The gateway's own log: each invocation's START and END (with REPORT's figures)
at INFO, and with ``LAMBDA_LOG_FUNCTIONS=1`` the function's output, each line
prefixed with the function's name (providers/lambda_/invocation/invocation_log.py)."""

from __future__ import annotations

import re

from .conftest import client_for, create_function, invoke_json, python_zip, wait_until

PRINTING = ("def handler(event, context):\n"
            "    print('first line of ' + context.function_name)\n"
            "    print('two\\nlines')\n"
            "    if event.get('fail'):\n"
            "        raise ValueError('asked to fail')\n"
            "    return 'done'\n")


def _lines(gateway, marker: str) -> list[str]:
    return [line for line in gateway.logs().splitlines() if marker in line]


def test_each_invocation_has_a_start_and_an_end_line(gateway):
    client = client_for(gateway.url)
    name = create_function(client, zip_bytes=python_zip(PRINTING))
    response, payload = invoke_json(client, name)
    assert payload == "done"
    request_id = response["ResponseMetadata"]["RequestId"]
    start = wait_until(lambda: _lines(gateway, f"[{name}] START {request_id}"), timeout=10, message="START line")
    assert "INFO" in start[0] and start[0].endswith("(cold start)")
    end = wait_until(lambda: _lines(gateway, f"[{name}] END {request_id}"), timeout=10, message="END line")
    assert re.search(r"END \S+ \d+\.\d\d ms, billed \d+ ms, \d+/128 MB, init \d+\.\d\d ms$", end[0]), end[0]
    # Without LAMBDA_LOG_FUNCTIONS the function's output stays out of the gateway's log.
    assert not _lines(gateway, f"first line of {name}")

    response, _ = invoke_json(client, name, {"fail": True})
    request_id = response["ResponseMetadata"]["RequestId"]
    end = wait_until(lambda: _lines(gateway, f"[{name}] END {request_id}"), timeout=10, message="END line")
    assert end[0].endswith(", error ValueError") and "init" not in end[0]
    assert _lines(gateway, f"[{name}] START {request_id}")[0].endswith(request_id)  # warm: no "(cold start)"


def test_function_output_is_shown_with_the_function_name(special_gateway):
    gateway = special_gateway(LAMBDA_LOG_FUNCTIONS="1")
    client = client_for(gateway.url)
    name = create_function(client, zip_bytes=python_zip(PRINTING))
    invoke_json(client, name)
    shown = wait_until(lambda: _lines(gateway, f"[{name}] first line of {name}"), timeout=10,
                       message="the function's output in the gateway's log")
    assert " INFO " in shown[0] and "lambda.function" in shown[0]
    assert _lines(gateway, f"[{name}] two") and _lines(gateway, f"[{name}] lines")  # one log line per line
    # Lambda's own START/END/REPORT lines are summed up, not repeated.
    assert not _lines(gateway, "REPORT RequestId")
