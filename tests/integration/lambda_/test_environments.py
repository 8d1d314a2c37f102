"""Execution environments: what a function sees, warm reuse, keep-alive,
scale-out, reserved concurrency, roll-over on updates, and no process left
behind (checked with psutil over the gateway's process tree).

AWS facts: the reserved environment variables
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
layers extracted to /opt with python/, nodejs/node_modules, bin/ (on PATH),
lib/ (on LD_LIBRARY_PATH) (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html),
the execution environment lifecycle (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html),
and throttling: 429 TooManyRequestsException "Rate Exceeded." with Reason
ReservedFunctionConcurrentInvocationLimitExceeded.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import (
    client_for,
    create_function,
    executor_of,
    invoke_json,
    make_zip,
    node_zip,
    python_zip,
    runtime_alive,
    runtime_processes,
    signal_server,
    unique,
    wait_until,
    wait_updated,
)

STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$")


def parallel(count: int, call, *args: Any) -> list[Any]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: call(*args), range(count)))


# What a function sees -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["python", "node"])
def test_reserved_environment_variables(lambda_client, echo_functions, gateway_url, kind):
    name = echo_functions[kind]
    _, payload = invoke_json(lambda_client, name)
    env = payload["env"]
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": "index.handler",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_ENDPOINT_URL": gateway_url,
        "MY_VARIABLE": "my-value",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12" if kind == "python" else "AWS_Lambda_nodejs20.x",
    }
    assert {key: env.get(key) for key in expected} == expected
    assert STREAM.match(env["AWS_LAMBDA_LOG_STREAM_NAME"]), env["AWS_LAMBDA_LOG_STREAM_NAME"]
    # The context object agrees with the variables.
    assert payload["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert payload["log_group_name"] == f"/aws/lambda/{name}"
    assert str(payload["memory_limit_in_mb"]) == "128"
    # The code runs from LAMBDA_TASK_ROOT; the runtime API is the environment's own.
    assert payload["file"].startswith(env["LAMBDA_TASK_ROOT"] + "/")
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env.get(key), key
    # The gateway's own settings do not leak into functions.
    assert "GATEWAY_LISTEN" not in env


def test_hostname_from_lambda(special_gateway):
    gateway = special_gateway(LAMBDA_KEEPALIVE_MS="0", HOSTNAME_FROM_LAMBDA="localhost")
    client = client_for(gateway.url)
    name = create_function(client)
    _, payload = invoke_json(client, name)
    assert payload["env"]["AWS_ENDPOINT_URL"] == f"http://localhost:{gateway.port}"


def test_function_uses_s3_and_sqs_through_the_gateway(lambda_client, aws_client, echo_functions):
    s3, sqs = aws_client("s3"), aws_client("sqs")
    bucket = unique("bucket")
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=unique("queue"))["QueueUrl"]
    response, payload = invoke_json(lambda_client, echo_functions["python"],
                                    {"action": "aws", "bucket": bucket, "queue_url": queue_url})
    assert "FunctionError" not in response, payload
    assert payload["s3_body"] == "written by the function"
    assert s3.get_object(Bucket=bucket, Key="from-lambda.txt")["Body"].read() == b"written by the function"
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert json.loads(messages[0]["Body"]) == {"from": "lambda"}


def publish_layer(client, files: dict, executable: tuple = ()) -> str:
    return client.publish_layer_version(LayerName=unique("layer"), Content={"ZipFile": make_zip(files, executable)},
                                        CompatibleRuntimes=["python3.12", "nodejs20.x"])["LayerVersionArn"]


def test_layers_are_placed_as_opt(lambda_client):
    first = publish_layer(lambda_client, {
        "python/layer_lib.py": "WHO = 'first'\n",
        "python/only_first.py": "VALUE = 1\n",
        "nodejs/node_modules/layer-mod/index.js": "module.exports = { who: 'node layer' };\n",
        "bin/layer-tool": "#!/bin/sh\necho tool-output \"$@\"\n",
        "lib/libfake.so.1": "not really a library",
    }, executable=("bin/layer-tool",))
    second = publish_layer(lambda_client, {"python/layer_lib.py": "WHO = 'second'\n"})
    code = """
import os, subprocess
import layer_lib, only_first

def handler(event, context):
    return {
        'who': layer_lib.WHO,
        'only_first': only_first.VALUE,
        'layer_file': layer_lib.__file__,
        'tool': subprocess.run(['layer-tool', 'x'], capture_output=True, text=True).stdout.strip(),
        'path': os.environ['PATH'],
        'ld': os.environ.get('LD_LIBRARY_PATH', ''),
    }
"""
    name = create_function(lambda_client, zip_bytes=python_zip(code), Layers=[first, second])
    response, payload = invoke_json(lambda_client, name)
    assert "FunctionError" not in response, payload
    assert payload["who"] == "second", "later layers overwrite earlier ones"
    assert payload["only_first"] == 1
    assert payload["tool"] == "tool-output x"
    opt = payload["layer_file"].rsplit("/python/", 1)[0]
    assert payload["path"].split(":")[-1] == f"{opt}/bin", "AWS's PATH ends with /opt/bin"
    assert payload["ld"].split(":")[-1] == f"{opt}/lib", "AWS's LD_LIBRARY_PATH ends with /opt/lib"

    node = create_function(lambda_client, "node", Layers=[first], zip_bytes=node_zip(
        "exports.handler = async () => ({ who: require('layer-mod').who });"))
    response, payload = invoke_json(lambda_client, node)
    assert payload == {"who": "node layer"}


@pytest.mark.parametrize("kind", ["python", "node"])
def test_each_environment_has_its_own_tmp_and_read_only_code(lambda_client, gateway, kind):
    name = create_function(lambda_client, kind)
    barrier = threading.Barrier(2)

    def files(marker: str) -> dict:
        barrier.wait()  # both in flight together: two environments
        return invoke_json(lambda_client, name, {"action": "files", "marker": marker, "sleep": 0.4})[1]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(files, ["a", "b"])
    assert first["process"] != second["process"]
    # Each saw its own marker only: nothing is shared between environments.
    assert first["seen"]["tmp"] == ["marker-a"] and second["seen"]["tmp"] == ["marker-b"]
    if executor_of(gateway) == "sandbox":  # the code is read-only at /var/task, as on AWS
        assert first["task"] == second["task"] == "/var/task" and first["tmp"] == "/tmp"
        assert not first["task_writable"] and not second["task_writable"]
    # /tmp survives between invocations of one (warm) environment, as on AWS.
    again = invoke_json(lambda_client, name, {"action": "files", "marker": "c"})[1]
    own = {first["process"]: "marker-a", second["process"]: "marker-b"}[again["process"]]
    assert again["seen"]["tmp"] == sorted([own, "marker-c"])


# Warm reuse, scale-out, keep-alive ------------------------------------------------------------
@pytest.mark.parametrize("kind", ["python", "node"])
def test_warm_reuse(lambda_client, echo_functions, kind):
    processes = {invoke_json(lambda_client, echo_functions[kind])[1]["process"] for _ in range(5)}
    assert len(processes) == 1


def test_concurrent_invokes_scale_out(lambda_client, gateway):
    name = create_function(lambda_client)
    barrier = threading.Barrier(4)

    def run(_):
        barrier.wait()
        return invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0.5})[1]["process"]

    with ThreadPoolExecutor(4) as pool:
        processes = set(pool.map(run, range(4)))
    assert len(processes) == 4
    assert all(runtime_alive(gateway, process) for process in processes), "the environments stay warm"
    # Warm again: later invokes reuse those environments, none is started.
    with ThreadPoolExecutor(4) as pool:
        barrier.reset()
        again = set(pool.map(run, range(4)))
    assert again == processes


def test_keepalive_zero_starts_a_fresh_environment_every_time(special_gateway):
    gateway = special_gateway(LAMBDA_KEEPALIVE_MS="0", HOSTNAME_FROM_LAMBDA="localhost")
    client = client_for(gateway.url)
    for kind in ("python", "node"):
        name = create_function(client, kind)
        processes = []
        for _ in range(3):
            response = client.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
            payload = json.loads(response["Payload"].read())
            processes.append(payload["process"])
            assert "Init Duration" in base64.b64decode(response["LogResult"]).decode(), "every invoke is cold"
            wait_until(lambda: not runtime_alive(gateway, payload["process"]), 5, message="the environment stopped")
        assert len(set(processes)) == 3


def test_keepalive_expiry_stops_idle_environments(special_gateway):
    gateway = special_gateway(LAMBDA_KEEPALIVE_MS="400")
    client = client_for(gateway.url)
    name = create_function(client)
    first = invoke_json(client, name)[1]["process"]
    assert invoke_json(client, name)[1]["process"] == first, "warm within the keep-alive"
    wait_until(lambda: not runtime_alive(gateway, first), 5, message="idle environment stopped after keep-alive")
    response = client.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
    assert json.loads(response["Payload"].read())["process"] != first
    assert "Init Duration" in base64.b64decode(response["LogResult"]).decode()


VERSIONED = """
import os, time, urllib.request
PROCESS = f"{os.getpid()}/{os.readlink('/proc/self/ns/mnt')}"
def handler(event, context):
    if 'started' in event:  # tells the test that this invocation is running
        urllib.request.urlopen(event['started']).read()
    if 'hold' in event:  # ...and runs on until the test releases it
        urllib.request.urlopen(event['hold'], timeout=60).read()
    time.sleep(event.get('sleep', 0))
    return {'code': 'CODE', 'process': PROCESS, 'memory': os.environ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']}
"""


# Reserved concurrency -----------------------------------------------------------------------------
THROTTLED = ("TooManyRequestsException", "Rate Exceeded.", 429)


def throttle_error(call, **kwargs) -> tuple:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    response = error.value.response
    return (response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"],
            response.get("Reason"), response["ResponseMetadata"]["HTTPHeaders"].get("retry-after"))


def test_reserved_concurrency_is_enforced(lambda_client):
    name = create_function(lambda_client, zip_bytes=python_zip(VERSIONED.replace("CODE", "v1")))
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    with ThreadPoolExecutor(1) as pool, signal_server() as started:
        running = pool.submit(invoke_json, lambda_client, name, {"started": started.url, "hold": started.hold_url})
        wait_until(started.hits, 5, message="the held invoke has the only slot")
        code, message, status, reason, retry_after = throttle_error(lambda_client.invoke, FunctionName=name,
                                                                    Payload=b"{}")
        assert (code, message, status) == THROTTLED
        assert reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        started.release()
        assert running.result()[1]["code"] == "v1"
    # The slot is free again.
    assert invoke_json(lambda_client, name)[1]["code"] == "v1"


def test_reserved_concurrency_zero_throttles_everything(lambda_client):
    name = create_function(lambda_client)
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    for _ in range(2):
        code, message, status, reason, _ = throttle_error(lambda_client.invoke, FunctionName=name, Payload=b"{}")
        assert (code, message, status) == THROTTLED
        assert reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lambda_client.delete_function_concurrency(FunctionName=name)
    assert lambda_client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200


# Updates roll over; nothing is left behind ------------------------------------------------------------


def test_updates_move_new_invokes_to_new_environments(lambda_client, gateway):
    name = create_function(lambda_client, zip_bytes=python_zip(VERSIONED.replace("CODE", "v1")))
    with ThreadPoolExecutor(1) as pool, signal_server() as started:
        in_flight = pool.submit(invoke_json, lambda_client, name, {"started": started.url, "hold": started.hold_url})
        wait_until(started.hits, 5, message="the held invoke is running")
        lambda_client.update_function_code(FunctionName=name, ZipFile=python_zip(VERSIONED.replace("CODE", "v2")))
        wait_updated(lambda_client, name)
        after_code = invoke_json(lambda_client, name)[1]
        assert after_code["code"] == "v2"
        # The in-flight invoke finishes on the old code, in its old environment.
        started.release()
        old = in_flight.result()[1]
        assert old["code"] == "v1" and old["process"] != after_code["process"]
    # The old environment is stopped once released.
    wait_until(lambda: not runtime_alive(gateway, old["process"]), 5, message="the old environment stopped")
    assert invoke_json(lambda_client, name)[1] == after_code, "warm on the new code"

    lambda_client.update_function_configuration(FunctionName=name, MemorySize=256)
    wait_updated(lambda_client, name)
    after_config = invoke_json(lambda_client, name)[1]
    assert after_config["memory"] == "256" and after_config["process"] != after_code["process"]
    wait_until(lambda: not runtime_alive(gateway, after_code["process"]), 5,
               message="the pre-update environment stopped")


def test_delete_stops_the_function_environments(lambda_client, gateway):
    name = create_function(lambda_client)
    processes = set(parallel(2, lambda: invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0.3})[1]["process"]))
    assert all(runtime_alive(gateway, process) for process in processes)
    lambda_client.delete_function(FunctionName=name)
    wait_until(lambda: not any(runtime_alive(gateway, process) for process in processes), 5,
               message="environments stopped on delete")


def test_reset_and_shutdown_leave_no_process_behind():
    from tests.support.gateway_process import GatewayProcess

    import urllib.request

    with GatewayProcess() as gateway:
        client = client_for(gateway.url)
        names = [create_function(client, kind) for kind in ("python", "node", "provided")]
        for name in names:
            parallel(2, lambda: invoke_json(client, name, {"action": "sleep", "seconds": 0.2}))
        assert len(runtime_processes(gateway)) >= 6
        request = urllib.request.Request(f"{gateway.url}/_gateway/reset", method="POST")
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
        wait_until(lambda: not runtime_processes(gateway), 5, message="no runtime process after reset")
        with pytest.raises(ClientError):
            client.get_function(FunctionName=names[0])

        names = [create_function(client, kind) for kind in ("python", "node", "provided")]
        for name in names:
            parallel(2, lambda: invoke_json(client, name, {"action": "sleep", "seconds": 0.2}))
        warm = runtime_processes(gateway)
        assert len(warm) >= 6
        # Three invocations in flight while the gateway stops (the third one needed a new environment).
        slow = client_for(gateway.url, read_timeout=10)
        for _ in range(3):
            threading.Thread(target=_quietly, args=(slow.invoke,), daemon=True,
                             kwargs={"FunctionName": names[0], "Payload": b'{"action": "sleep", "seconds": 5}'}).start()
        wait_until(lambda: len(runtime_processes(gateway)) > len(warm), 5, message="a third environment")
        processes = runtime_processes(gateway)
        assert gateway.stop() == 0
    wait_until(lambda: not any(p.is_running() and p.status() != "zombie" for p in processes if _exists(p)), 5,
               message="no runtime process after shutdown")


def _quietly(call, **kwargs) -> None:
    try:
        call(**kwargs)
    except Exception:  # noqa: BLE001 - the gateway goes away under it
        pass


def _exists(process) -> bool:
    import psutil

    try:
        return process.is_running()
    except psutil.NoSuchProcess:
        return False
