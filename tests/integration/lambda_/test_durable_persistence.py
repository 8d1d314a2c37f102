"""Durable executions survive ``kill -9`` with ``PERSISTENCE=1``: their operations,
history, open callbacks and pending waits are on disk before the gateway answers
(``providers/lambda_/durable/journal.py``), and a restarted gateway carries on.
Real gateway processes, a real function using AWS's Python SDK unmodified."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support.durable_sdk import sdk_files
from tests.support.gateway_process import GatewayProcess

from .test_credentials import Barrier
from .conftest import ROLE, client_for, make_zip, source, unique, wait_active, wait_until
from .test_durable import callback_id, ended, event_types, events, start_async


@pytest.fixture
def durable_zip() -> bytes:
    files = sdk_files()
    if files is None:
        pytest.skip("aws-durable-execution-sdk-python could not be downloaded from PyPI")
    return make_zip({"index.py": source("durable_handlers.py"), **files})


def test_executions_callbacks_and_waits_survive_kill_9(tmp_path, durable_zip):
    # 0.00001: a 300,000 s wait lasts 3 s, long enough to be pending across the restart.
    env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data"), "SERVICES": "lambda",
           "LAMBDA_DURABLE_TIME_SCALE": "0.00001"}
    process = GatewayProcess(env=env).start()
    try:
        client = client_for(process.url)
        functions = {}
        for handler in ("approval", "steps_and_wait"):
            functions[handler] = unique("durable")
            client.create_function(FunctionName=functions[handler], Runtime="python3.13", Role=ROLE,
                                   Handler=f"index.{handler}", Code={"ZipFile": durable_zip}, Timeout=30,
                                   DurableConfig={"ExecutionTimeout": 400000})  # beyond the wait
        for name in functions.values():
            wait_active(client, name)
        waiting = start_async(client, functions["approval"], {})
        token = callback_id(client, waiting)
        sleeping = start_async(client, functions["steps_and_wait"], {"name": "Kill", "wait_seconds": 300000})
        wait_until(lambda: "WaitStarted" in event_types(client, sleeping), timeout=60, message="WaitStarted")
        before = events(client, waiting)
        process.kill()
    finally:
        process.stop()

    process = GatewayProcess(env=env).start()
    try:
        client = client_for(process.url)
        assert events(client, waiting) == before
        assert client.get_durable_execution(DurableExecutionArn=waiting)["Status"] == "RUNNING"
        # The pending wait fires after the restart and the execution replays to its end.
        finished = ended(client, sleeping)
        assert finished["Status"] == "SUCCEEDED", finished
        assert json.loads(finished["Result"]) == {"greeting": "Hello, Kill!", "shout": "HELLO, KILL!"}
        assert event_types(client, sleeping)[-4:] == ["StepStarted", "StepSucceeded", "InvocationCompleted",
                                                      "ExecutionSucceeded"]
        # The open callback is still known, and completing it resumes the execution.
        client.send_durable_execution_callback_success(CallbackId=token, Result=b'"after restart"')
        finished = ended(client, waiting)
        assert finished["Status"] == "SUCCEEDED"
        assert json.loads(finished["Result"]) == {"decision": '"after restart"'}
        listed = client.list_durable_executions_by_function(FunctionName=functions["approval"])
        assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == [waiting]
        assert "damaged durable" not in process.logs()
    finally:
        process.stop()


PLAIN_TARGET = """
import os, time, urllib.request

def handler(event, context):
    url = os.environ["BARRIER"]
    arrival = int(urllib.request.urlopen(url + "/arrive").read())
    if arrival == 1:  # the first call is in flight when the gateway is killed; the test's arrival releases it
        deadline = time.time() + 60
        while int(urllib.request.urlopen(url + "/count").read()) < 2 and time.time() < deadline:
            time.sleep(0.05)
    return {"echo": event, "arrival": arrival}
"""


def arrivals(barrier: Barrier, path: str = "/count") -> int:
    with urllib.request.urlopen(barrier.url + path) as response:
        return int(response.read())


def test_a_chained_invoke_of_a_plain_function_in_flight_runs_again_after_kill_9(tmp_path, durable_zip):
    with Barrier() as barrier:
        chained_invoke_across_kill_9(tmp_path, durable_zip, barrier)


def chained_invoke_across_kill_9(tmp_path, durable_zip, barrier: Barrier) -> None:
    env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data"), "SERVICES": "lambda"}
    process = GatewayProcess(env=env).start()
    try:
        client = client_for(process.url)
        plain, caller = unique("plain"), unique("durable")
        client.create_function(FunctionName=plain, Runtime="python3.13", Role=ROLE, Handler="index.handler",
                               Code={"ZipFile": make_zip({"index.py": PLAIN_TARGET})}, Timeout=90,
                               Environment={"Variables": {"BARRIER": barrier.url}})
        client.create_function(FunctionName=caller, Runtime="python3.13", Role=ROLE, Handler="index.chain",
                               Code={"ZipFile": durable_zip}, Timeout=30, DurableConfig={"ExecutionTimeout": 3600})
        for name in (plain, caller):
            wait_active(client, name)
        arn = start_async(client, caller, {"target": plain})
        wait_until(lambda: arrivals(barrier) == 1, timeout=60, message="the chained invoke is in flight")
        assert "ChainedInvokeStarted" in event_types(client, arn)
        process.kill()
    finally:
        arrivals(barrier, "/arrive")  # the orphaned first call ends
        process.stop()

    process = GatewayProcess(env=env).start()
    try:
        client = client_for(process.url)
        finished = ended(client, arn)
        assert finished["Status"] == "SUCCEEDED", finished
        # Invoked again after the restart (after the first call and the test's release).
        assert json.loads(finished["Result"]) == {"chained": {"echo": {"from": "chain"}, "arrival": 3}}
        assert event_types(client, arn).count("ChainedInvokeStarted") == 1
        assert "ChainedInvokeSucceeded" in event_types(client, arn)
    finally:
        process.stop()
