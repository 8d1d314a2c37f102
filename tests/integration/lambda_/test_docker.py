"""The docker executor: functions in containers of AWS's images, against a real engine.

The engine is the machine's own, or a ``dockerd`` these tests start and stop
(``tests/support/docker_engine.py``). Images cannot be pulled here, so the
session builds stand-ins for AWS's base images from this machine's CPython and
Node.js (``tests/support/docker_images.py``), tagged with AWS's names
(``public.ecr.aws/lambda/python:3.12``...): the executor's default mapping
finds them as it would find AWS's. Facts about AWS's environment (variables,
user, limits, error shapes) are the ones the sandbox tests assert, recorded from AWS.
The developer tools of issue 12 run here too: the real debug clients of
test_debugging.py attach to functions in containers, and test_extensions.py's
main scenario runs in a container.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import threading
import time
import urllib.request
import uuid
from typing import Any, Callable, Iterator

import psutil
import pytest
from botocore.exceptions import ClientError

from providers.lambda_.executors import pythons
from providers.lambda_.executors.docker.images import aws_image
from tests.integration.lambda_.conftest import (
    ROLE,
    client_for,
    create_function,
    invoke_json,
    make_zip,
    process_alive,
    source,
    unique,
    wait_active,
    wait_until,
)
from tests.support import docker_images
from tests.support.docker_engine import DockerEngine, EngineUnavailable
from tests.support.gateway_process import GatewayProcess

PY_VERSION = "3.12" if pythons.find_interpreter("3.12") and pythons.has_ric("3.12") else pythons.own_version()
PYTHON = f"python{PY_VERSION}"
OWNER_LABEL = "lambda-gateway.owner"
AWS_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
AWS_LD_LIBRARY_PATH = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
# What AWS sets for python3.x (recorded from AWS), plus the gateway's documented AWS_ENDPOINT_URL.
PYTHON_VARIABLES = {
    "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
    "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "LANG", "LC_CTYPE", "LD_LIBRARY_PATH", "PATH", "PWD", "PYTHONPATH",
    "SHLVL", "TZ", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "_HANDLER", "_X_AMZN_TRACE_ID",
    "AWS_ENDPOINT_URL", "TEST_KEY",
}
# A provided.* function: its bootstrap starts a runtime loop written against the Runtime API only
# (in Python, the one language of the stand-in image; a custom runtime has no /var/lang/lib on its path).
PROVIDED_BOOTSTRAP = f"""#!/bin/sh
LD_LIBRARY_PATH=/var/lang/lib exec /var/lang/bin/python{PY_VERSION} "$LAMBDA_TASK_ROOT/loop.py"
"""
PROVIDED_LOOP = """import json, os, sys, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as reply:
        request_id = reply.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(reply.read())
    body = json.dumps({"event": event, "environ": dict(os.environ), "argv0": sys.argv[0]}).encode()
    urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=body, method="POST")).read()
"""
PROBE = """import os, socket, urllib.request

def handler(event, context):
    if event.get("action") == "gateway":
        url = os.environ["AWS_ENDPOINT_URL"] + "/_gateway/health"
        with urllib.request.urlopen(url, timeout=5) as reply:
            return {"status": reply.status, "url": url}
    try:  # someone else's Runtime API: take their next invocation if it lets us
        with urllib.request.urlopen("http://" + event["address"] + "/2018-06-01/runtime/invocation/next",
                                    timeout=3) as reply:
            return {"status": reply.status, "request_id": reply.headers.get("Lambda-Runtime-Aws-Request-Id")}
    except Exception as error:
        return {"error": type(getattr(error, "reason", error)).__name__}
"""
REFUSED = {"RemoteDisconnected", "ConnectionResetError", "BrokenPipeError", "ConnectionRefusedError"}


# Engine, images, gateways ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    engine = DockerEngine()
    try:
        engine.start()
    except EngineUnavailable as unavailable:
        pytest.skip(f"no Docker engine: {unavailable}")
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def docker_api(docker_engine: DockerEngine) -> Any:
    import docker

    client = docker.DockerClient(base_url=docker_engine.host, timeout=120)
    yield client
    client.close()


@pytest.fixture(scope="session")
def base_images(docker_api: Any) -> dict[str, str]:
    """Runtime -> the stand-in image built here for it, tagged with AWS's name for its image."""
    python = docker_images.stand_in_image(docker_api, PYTHON, [aws_image(PYTHON), aws_image("provided.al2023")])
    if python is None:
        pytest.skip(f"no CPython {PY_VERSION} installation prefix with awslambdaric to build an image from")
    built = {PYTHON: python, "provided.al2023": python}
    for runtime in ("nodejs22.x", "nodejs20.x", "nodejs24.x", "nodejs18.x"):
        node = docker_images.stand_in_image(docker_api, runtime, [aws_image(runtime)])
        if node is not None:
            built[runtime] = node
            break
    return built


@pytest.fixture(scope="module")
def docker_gateway(docker_engine: DockerEngine, base_images: dict[str, str]) -> Iterator[Callable[..., GatewayProcess]]:
    """``docker_gateway(**env)``: a gateway running functions in containers, one per
    settings, stopped at the end of the module (before the engine)."""
    started: dict[tuple, GatewayProcess] = {}

    def get(**env: str) -> GatewayProcess:
        settings = {"LAMBDA_RUNTIME_EXECUTOR": "docker", "DOCKER_HOST": docker_engine.host, **env}
        key = tuple(sorted(settings.items()))
        if key not in started:
            started[key] = GatewayProcess(env=settings).start()
        return started[key]

    yield get
    for process in started.values():
        process.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(docker_gateway) -> Any:
    return client_for(docker_gateway().url, read_timeout=120)


def hostile(client: Any, **kwargs: Any) -> str:
    kwargs.setdefault("Timeout", 30)
    kwargs.setdefault("runtime", PYTHON)
    return create_function(client, zip_bytes=make_zip({"hostile.py": source("hostile.py")}),
                           handler="hostile.handler", **kwargs)


def act(client: Any, name: str, action: str, **event: Any) -> tuple[dict, Any]:
    return invoke_json(client, name, {"action": action, **event})


def containers_of(docker_api: Any, gateway: GatewayProcess, label: str = "") -> list[dict]:
    """The containers a gateway process started (its owner label names its pid), as
    the engine lists them (one call: no container vanishes between list and inspect)."""
    found = docker_api.api.containers(all=True, filters={"label": [OWNER_LABEL, *([label] if label else [])]})
    assert gateway.process is not None
    return [c for c in found if c["Labels"][OWNER_LABEL].split(":")[-2] == str(gateway.process.pid)]


def wait_failed(client: Any, name: str) -> dict:
    def state() -> Any:
        config = client.get_function_configuration(FunctionName=name)
        return config if config["State"] != "Pending" else None

    return wait_until(state, 60, 0.05, "the function leaves Pending")


# The environment AWS gives -------------------------------------------------------------------------
def test_python_runs_in_awss_image_with_awss_variables(client, docker_gateway) -> None:
    name = hostile(client, Environment={"Variables": {"TEST_KEY": "TEST_VAL"}}, MemorySize=256)
    _, seen = act(client, name, "introspect")
    env = seen["environ"]
    assert set(env) == PYTHON_VARIABLES, "exactly AWS's variables (+ AWS_ENDPOINT_URL): no HOME, no HOSTNAME"
    assert env["PATH"] == AWS_PATH and env["LD_LIBRARY_PATH"] == AWS_LD_LIBRARY_PATH
    assert env["PYTHONPATH"] == "/var/runtime" and env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task" and env["PWD"] == "/var/task"
    assert env["TZ"] == ":UTC" and env["LANG"] == "en_US.UTF-8", "a zip function's TZ, not the image's"
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{PYTHON}" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "169.254.79.129:2000" and env["TEST_KEY"] == "TEST_VAL"
    api_host = env["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)[0]
    assert api_host != "127.0.0.1", "the Runtime API is on the Docker network, not loopback"
    assert env["AWS_ENDPOINT_URL"] == f"http://{api_host}:{docker_gateway().port}"
    assert (seen["uid"], seen["gid"], seen["user"]) == (993, 990, "sbx_user1051")
    assert seen["cwd"] == "/var/task" and seen["executable"] == f"/var/lang/bin/python{PY_VERSION}"
    assert '"/var/task/hostile.py"' in seen["stack"], "stack traces show AWS's paths"
    assert seen["hostname"] == "localhost"
    assert not {"root", "work", "home"} & set(seen["root"]), "nothing of this machine's files"
    limits = seen["limits"]
    assert limits["RLIMIT_NOFILE"] == [1024, 1024] and limits["RLIMIT_MEMLOCK"] == [65536, 65536]
    assert limits["RLIMIT_STACK"][0] == 8388608 and limits["RLIMIT_CORE"] == [10737418240, 10737418240]


def test_node_and_provided_runtimes_in_their_images(client, base_images) -> None:
    node_runtime = next((r for r in base_images if r.startswith("nodejs")), None)
    if node_runtime is not None:
        node = create_function(client, "node", runtime=node_runtime, zip_bytes=make_zip({"index.mjs": (
            "export const handler = async () => ({env: process.env, exec: process.execPath, uid: process.getuid()});"
        )}))
        _, seen = invoke_json(client, node)
        major = node_runtime[len("nodejs"):-2]
        assert seen["env"]["NODE_PATH"] == (f"/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:"
                                            f"/var/runtime/node_modules:/var/runtime:/var/task")
        assert seen["env"]["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{node_runtime}" and "HOME" not in seen["env"]
        assert seen["exec"] == "/var/lang/bin/node" and seen["uid"] == 993
    provided = create_function(client, "provided", zip_bytes=make_zip(
        {"bootstrap": PROVIDED_BOOTSTRAP, "loop.py": PROVIDED_LOOP}, executable=("bootstrap",)))
    _, seen = invoke_json(client, provided, {"hello": "world"})
    assert seen["event"] == {"hello": "world"} and seen["argv0"] == "/var/task/loop.py"
    assert "AWS_EXECUTION_ENV" not in seen["environ"] and "HOME" not in seen["environ"]
    assert seen["environ"]["_HANDLER"] == "function.handler"


def test_output_belongs_to_its_invocation(client) -> None:
    name = create_function(client, runtime=PYTHON, zip_bytes=make_zip({"index.py": (
        "import sys\ndef handler(event, context):\n    print('out', event['i'])\n"
        "    print('err', event['i'], file=sys.stderr)\n    return event['i']\n")}))
    for i in range(20):
        response = client.invoke(FunctionName=name, Payload=json.dumps({"i": i}), LogType="Tail")
        tail = base64.b64decode(response["LogResult"]).decode()
        report = tail.index("REPORT RequestId")
        assert -1 < tail.find(f"out {i}\n") < report and -1 < tail.find(f"err {i}\n") < report, tail


def test_functions_reach_the_gateway_on_the_docker_network(client, docker_gateway) -> None:
    name = create_function(client, zip_bytes=make_zip({"index.py": PROBE}), runtime=PYTHON, Timeout=10)
    _, answer = invoke_json(client, name, {"action": "gateway"})
    assert answer["status"] == 200, answer
    host = answer["url"].split("//")[1].split(":")[0]
    assert host != "127.0.0.1"
    listening = {c.laddr.ip for c in psutil.Process(docker_gateway().process.pid).net_connections("tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == docker_gateway().port}
    assert listening == {"127.0.0.1", host}, "loopback and the Docker network only, never 0.0.0.0"


def test_hot_reload_directories_are_mounted_live(client, tmp_path) -> None:
    code = tmp_path / "code"
    code.mkdir(mode=0o755)
    tmp_path.chmod(0o755)  # readable by the function's user (993), as AWS needs code world-readable
    handler = code / "index.py"
    handler.write_text("def handler(event, context):\n    return 'v1'\n")
    handler.chmod(0o644)
    name = unique("hot")
    client.create_function(FunctionName=name, Runtime=PYTHON, Role="arn:aws:iam::000000000000:role/lambda-role",
                           Handler="index.handler", Code={"S3Bucket": "hot-reload", "S3Key": str(code)})
    client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})
    assert invoke_json(client, name)[1] == "v1"
    handler.write_text("def handler(event, context):\n    return 'v2'\n")
    wait_until(lambda: invoke_json(client, name)[1] == "v2", 20, 0.1, "the edit runs")


# Containment ---------------------------------------------------------------------------------------
def test_writing_outside_tmp_fails(client) -> None:
    name = hostile(client)
    _, written = act(client, name, "write", paths=["/var/task/x", "/opt/x", "/etc/x", "/x", "/tmp/x"])
    assert written["/tmp/x"] == "written"
    for path in ("/var/task/x", "/opt/x", "/etc/x", "/x"):
        assert written[path] == "OSError: Read-only file system", path
    _, seen = act(client, name, "read", paths=["/work", "/root/.aws", "/etc/shadow"])
    assert all(str(result).startswith(("FileNotFoundError", "PermissionError")) for result in seen.values()), seen


def test_megabytes_of_output_oversized_responses_and_neighbours(client) -> None:
    victim = create_function(client, runtime=PYTHON, Environment={"Variables": {"SECRET": "s3cr3t-value"}})
    invoke_json(client, victim, {})
    name = hostile(client, MemorySize=256)
    response, result = act(client, name, "print", kb=8 * 1024)
    assert result == {"printed_kb": 8192} and "FunctionError" not in response
    response, error = act(client, name, "respond", bytes=7 * 1024 * 1024)
    assert error == {"errorType": "Function.ResponseSizeTooLarge",
                     "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}
    assert act(client, name, "respond", bytes=10)[1] == "z" * 10
    _, environs = act(client, name, "environ_of")
    assert not any("s3cr3t-value" in text for text in environs.values()), "another container's variables"
    assert invoke_json(client, victim, {})[0]["StatusCode"] == 200


def test_allocating_past_memory_size_is_out_of_memory(client) -> None:
    name = hostile(client, MemorySize=128)
    response, error = act(client, name, "allocate", mb=300)
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    logs = client.invoke(FunctionName=name, Payload=json.dumps({"action": "allocate", "mb": 300}), LogType="Tail")
    tail = base64.b64decode(logs["LogResult"]).decode()
    assert "Status: error\tError Type: Runtime.OutOfMemory" in tail
    assert act(client, name, "allocate", mb=20)[1] == {"allocated_mb": 20}, "a new environment serves the next one"


def test_a_fork_that_outlives_its_invocation_dies_with_the_container(client, docker_api, docker_gateway) -> None:
    name = hostile(client)
    seconds = 300 + int(uuid.uuid4().int % 600)  # a sleep of this length is ours
    act(client, name, "escape", seconds=seconds)

    def escaped() -> list[int]:
        return [p.pid for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["/bin/sleep", str(seconds)]]

    pids = wait_until(escaped, 5, message="the escaped child runs after its invocation")
    assert containers_of(docker_api, docker_gateway(), label=f"lambda-gateway.function={name}")
    client.delete_function(FunctionName=name)
    wait_until(lambda: not any(process_alive(pid) for pid in pids), 15, message="escaped children killed on delete")
    wait_until(lambda: not containers_of(docker_api, docker_gateway(), label=f"lambda-gateway.function={name}"), 15,
               message="the container removed on delete")


def test_no_one_else_can_use_an_environments_runtime_api(client) -> None:
    victim = hostile(client)
    _, seen = act(client, victim, "introspect")  # warm now, waiting on its Runtime API
    address = seen["environ"]["AWS_LAMBDA_RUNTIME_API"]
    try:  # a process of this machine
        urllib.request.urlopen(f"http://{address}/2018-06-01/runtime/invocation/next", timeout=3).read()
        outcome = "served"
    except Exception as error:  # noqa: BLE001
        outcome = type(getattr(error, "reason", error)).__name__
    assert outcome in REFUSED, f"a host process got {outcome}"
    attacker = create_function(client, zip_bytes=make_zip({"index.py": PROBE}), runtime=PYTHON, Timeout=10)
    results: list[Any] = []
    caller = threading.Thread(target=lambda: results.extend(act(client, victim, "sleep", seconds=1)[1] for _ in "xx"))
    caller.start()
    _, attack = invoke_json(client, attacker, {"address": address})
    caller.join(60)
    assert attack.get("error") in REFUSED, f"another container got {attack}"
    assert results == [{"slept": 1}, {"slept": 1}], "the victim's invocations were its own"


def test_a_container_calls_the_gateway_only_as_its_own_account(client, docker_gateway) -> None:
    """As under the sandbox: a key naming another account is refused from inside an environment."""
    gateway = docker_gateway()
    attacker_client = client_for(gateway.url, access_key="111111111111", read_timeout=120)
    victim = create_function(client, Environment={"Variables": {"SECRET": "s3cr3t-value"}})
    client.add_permission(FunctionName=victim, StatementId="granted", Action="lambda:InvokeFunction",
                          Principal="111111111111")
    victim_arn = client.get_function(FunctionName=victim)["Configuration"]["FunctionArn"]
    attacker = hostile(attacker_client, Role="arn:aws:iam::111111111111:role/lambda-role")
    response, seen = act(attacker_client, attacker, "call_gateway", other_account="000000000000", target=victim_arn)
    assert "FunctionError" not in response, seen
    assert seen["other_account"]["Code"] == "UnrecognizedClientException", seen
    assert attacker in seen["own_functions"] and victim not in seen["own_functions"], seen
    assert isinstance(seen["invoke_granted"], str), seen
    assert seen["reset"] == 403


# Container images ----------------------------------------------------------------------------------
def build_function_image(docker_api: Any, tag: str) -> None:
    dockerfile = (f"FROM public.ecr.aws/lambda/python:{PY_VERSION}\n"
                  "COPY app.py /var/task/\nCOPY other.py /srv/other/\nCMD [\"app.handler\"]\n")
    files = {
        "Dockerfile": dockerfile,
        "app.py": "import os\ndef handler(event, context):\n    return {'handler': 'app', 'cwd': os.getcwd()}\n",
        "other.py": ("import os, sys\ndef handler(event, context):\n"
                     "    return {'handler': 'other', 'cwd': os.getcwd(), 'argv': sys.argv}\n"),
    }
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as archive:
        for file_name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(file_name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    context.seek(0)
    docker_api.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)


def test_container_image_functions_run_with_their_image_config(client, docker_api) -> None:
    tag = f"lambda-gateway-test/app:{uuid.uuid4().hex[:8]}"
    build_function_image(docker_api, tag)
    try:
        plain = unique("image")
        client.create_function(FunctionName=plain, PackageType="Image", Code={"ImageUri": tag},
                               Role="arn:aws:iam::000000000000:role/lambda-role")
        client.get_waiter("function_active_v2").wait(FunctionName=plain, WaiterConfig={"Delay": 0.1, "MaxAttempts": 600})
        assert invoke_json(client, plain)[1] == {"handler": "app", "cwd": "/var/task"}, "the image's own CMD"

        configured = unique("image")
        client.create_function(
            FunctionName=configured, PackageType="Image", Code={"ImageUri": tag},
            Role="arn:aws:iam::000000000000:role/lambda-role",
            ImageConfig={"EntryPoint": [f"/var/lang/bin/python{PY_VERSION}", "-m", "awslambdaric"],
                         "Command": ["other.handler"], "WorkingDirectory": "/srv/other"},
            Environment={"Variables": {"PYTHONPATH": "/var/runtime"}})
        client.get_waiter("function_active_v2").wait(FunctionName=configured,
                                                     WaiterConfig={"Delay": 0.1, "MaxAttempts": 600})
        _, answer = invoke_json(client, configured)
        assert answer["handler"] == "other" and answer["cwd"] == "/srv/other"
        assert answer["argv"][-1] == "other.handler"
    finally:
        docker_api.images.remove(tag, force=True)


def test_missing_images_fail_the_version_with_the_reason(client) -> None:
    missing = unique("image")
    client.create_function(FunctionName=missing, PackageType="Image", Role="arn:aws:iam::000000000000:role/lambda-role",
                           Code={"ImageUri": "127.0.0.1:9/lambda-gateway-test/missing:1"})
    config = wait_failed(client, missing)
    assert config["State"] == "Failed" and config["StateReasonCode"] == "InternalError"
    assert config["StateReason"].startswith("the image 127.0.0.1:9/lambda-gateway-test/missing:1 is not available")

    java = create_function(client, runtime="java21", handler="example.Handler::handleRequest",
                           zip_bytes=make_zip({"example/Handler.class": b"\xca\xfe\xba\xbe"}), wait=False)
    config = wait_failed(client, java)
    assert config["State"] == "Failed"
    assert config["StateReason"].startswith("the image public.ecr.aws/lambda/java:21 is not available (linux/amd64)")
    with pytest.raises(client.exceptions.ResourceConflictException) as conflict:
        client.invoke(FunctionName=java, Payload=b"{}")
    assert conflict.value.response["Error"]["Message"] == (
        "The operation cannot be performed at this time. The function is currently in the following state: Failed")


# Options ---------------------------------------------------------------------------------------------
def test_docker_flags_and_image_mapping(docker_gateway, docker_api, base_images) -> None:
    own_name = base_images[PYTHON]
    gateway = docker_gateway(
        LAMBDA_DOCKER_FLAGS="-e X=1 --env Y='two words' -l team=lambda --add-host db.internal:10.1.2.3",
        LAMBDA_RUNTIME_IMAGE_MAPPING=json.dumps({PYTHON: own_name}),
        LAMBDA_REMOVE_CONTAINERS="0",
    )
    client = client_for(gateway.url, read_timeout=120)
    name = hostile(client)
    _, seen = act(client, name, "read", paths=["/etc/hosts"])
    assert "db.internal" in seen["/etc/hosts"]
    _, seen = act(client, name, "introspect")
    assert seen["environ"]["X"] == "1" and seen["environ"]["Y"] == "two words"
    (listed,) = containers_of(docker_api, gateway, label=f"lambda-gateway.function={name}")
    assert listed["Labels"]["team"] == "lambda"
    assert listed["ImageID"] == docker_api.images.get(own_name).id
    container = docker_api.containers.get(listed["Id"])
    client.delete_function(FunctionName=name)
    wait_until(lambda: container.reload() or container.status == "exited", 15,
               message="LAMBDA_REMOVE_CONTAINERS=0: the container is stopped, and kept")
    container.remove()


def test_no_engine_fails_functions_with_docker_not_available(tmp_path) -> None:
    env = {"LAMBDA_RUNTIME_EXECUTOR": "docker", "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    with GatewayProcess(env=env) as gateway:
        client = client_for(gateway.url)
        name = create_function(client, runtime=PYTHON, wait=False)
        config = wait_failed(client, name)
        assert (config["State"], config["StateReason"], config["StateReasonCode"]) == (
            "Failed", "Docker not available", "InternalError")
        with pytest.raises(client.exceptions.ResourceConflictException) as conflict:
            client.invoke(FunctionName=name, Payload=b"{}")
        assert conflict.value.response["Error"]["Message"] == (
            "The operation cannot be performed at this time. The function is currently in the following state: Failed")
        expected = (f"Lambda 'arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST' changed to failed. "
                    f"Reason: Docker not available")
        wait_until(lambda: expected in gateway.logs(), 5, message="the user guide's log line")


# Lifecycle: nothing left behind ---------------------------------------------------------------------------
def test_containers_end_with_keepalive_shutdown_and_a_crashed_gateway(docker_engine, docker_api, base_images) -> None:
    settings = {"LAMBDA_RUNTIME_EXECUTOR": "docker", "DOCKER_HOST": docker_engine.host, "LAMBDA_KEEPALIVE_MS": "300"}
    with GatewayProcess(env=settings) as gateway:
        client = client_for(gateway.url, read_timeout=120)
        idle = create_function(client, runtime=PYTHON)
        invoke_json(client, idle)
        wait_until(lambda: not containers_of(docker_api, gateway, label=f"lambda-gateway.function={idle}"), 15,
                   message="the idle environment's container removed after LAMBDA_KEEPALIVE_MS")

    with GatewayProcess(env={**settings, "LAMBDA_KEEPALIVE_MS": "600000"}) as gateway:
        client = client_for(gateway.url, read_timeout=120)
        for _ in range(2):
            invoke_json(client, create_function(client, runtime=PYTHON))
        assert len(containers_of(docker_api, gateway)) == 2
        gateway.stop()
        assert containers_of(docker_api, gateway) == [], "shutdown removes every container"

    crashed = GatewayProcess(env={**settings, "LAMBDA_KEEPALIVE_MS": "600000"}).start()
    try:
        client = client_for(crashed.url, read_timeout=120)
        invoke_json(client, create_function(client, runtime=PYTHON))
        crashed.kill()  # kill -9: no shutdown
        assert [c["State"] for c in containers_of(docker_api, crashed)] == ["running"]
        with GatewayProcess(env=settings):  # the next gateway sweeps what the dead one left
            wait_until(lambda: not containers_of(docker_api, crashed), 30,
                       message="a dead gateway's containers removed at the next start")
    finally:
        crashed.__exit__(None, None, None)


# Developer tools in containers (issue 12): debuggers attach, extensions run ----------------------------
def test_debuggers_attach_to_functions_in_containers(docker_gateway, docker_api, base_images, tmp_path) -> None:
    """The README's walkthrough under docker: a Python function under debugpy and a
    Node.js one under --inspect, each waiting for its debugger, the code in
    hot-reload directories mapped to /var/task; the real DAP and CDP clients of
    test_debugging.py attach through the port published on 127.0.0.1 only and
    stop at a breakpoint, paused past the function's 1 s timeout."""
    from tests.integration.lambda_.test_debugging import (NODE_BREAK_LINE, NODE_HANDLER, PAUSE_PAST_TIMEOUT_SECONDS,
                                                          PYTHON_BREAK_LINE, PYTHON_HANDLER, free_port,
                                                          invoke_in_background)
    from tests.support.cdp_client import CdpClient
    from tests.support.dap_client import DapClient

    if not pythons.has_debugger(PY_VERSION):
        pytest.skip(f"debugpy is not installed for {PYTHON} (make install)")
    node_runtime = next((runtime for runtime in base_images if runtime.startswith("nodejs")), None)
    kinds = {"py": (PYTHON, "index.handler", "index.py", PYTHON_HANDLER)}
    if node_runtime is not None:
        kinds["node"] = (node_runtime, "app.handler", "app.mjs", NODE_HANDLER)
    names = {kind: unique(f"dbg-{kind}") for kind in kinds}
    ports = {kind: free_port() for kind in kinds}
    for kind, (_, _, filename, code) in kinds.items():
        (tmp_path / kind).mkdir()
        (tmp_path / kind / filename).write_text(code)
    config = tmp_path / "debug.json"
    config.write_text(json.dumps({"functions": {names[kind]: {"debug-port": ports[kind], "wait-for-attach": True}
                                                for kind in kinds}}))
    gateway = docker_gateway(LAMBDA_DEBUG_MODE_CONFIG_PATH=str(config))
    client = client_for(gateway.url, read_timeout=120)
    for kind, (runtime, handler, _, _) in kinds.items():
        client.create_function(FunctionName=names[kind], Runtime=runtime, Handler=handler, Role=ROLE, Timeout=1,
                               Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path / kind)})
        wait_active(client, names[kind])

    local_file = str(tmp_path / "py" / "index.py")
    invoking, outcome = invoke_in_background(client, names["py"], {"a": 6, "b": 7})
    dap = DapClient("127.0.0.1", ports["py"])
    try:
        dap.attach({local_file: [PYTHON_BREAK_LINE]}, [{"localRoot": str(tmp_path / "py"), "remoteRoot": "/var/task"}])
        stopped = dap.wait_event("stopped")
        paused_at = time.monotonic()
        frame = dap.top_frame(stopped["threadId"])
        assert (stopped["reason"], frame["line"], frame["source"]["path"]) == ("breakpoint", PYTHON_BREAK_LINE,
                                                                               local_file)
        assert dap.top_frame_locals(stopped["threadId"])["answer"] == "42"
        # The port is published on this machine's loopback only; one environment runs at a time.
        [container] = containers_of(docker_api, gateway, label=f"lambda-gateway.function={names['py']}")
        bindings = docker_api.api.inspect_container(container["Id"])["HostConfig"]["PortBindings"]
        assert bindings == {f"{ports['py']}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(ports["py"])}]}
        with pytest.raises(ClientError) as throttled:
            client.invoke(FunctionName=names["py"], Payload=b"{}")
        assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
        time.sleep(max(0.0, PAUSE_PAST_TIMEOUT_SECONDS - (time.monotonic() - paused_at)))
        dap.request("continue", threadId=stopped["threadId"])
        invoking.join(30)
    finally:
        dap.close()
    assert "error" not in outcome and "FunctionError" not in outcome["response"], outcome
    assert outcome["payload"]["answer"] == 42 and outcome["payload"]["remaining_ms"] > 1000
    assert outcome["seconds"] > PAUSE_PAST_TIMEOUT_SECONDS  # paused past Timeout=1, still answered

    # A hot-reload edit: the container that held the port is removed, the next one publishes it again.
    (tmp_path / "py" / "index.py").write_text(PYTHON_HANDLER.replace("OFFSET = 0", "OFFSET = 100"))
    wait_until(lambda: not containers_of(docker_api, gateway, label=f"lambda-gateway.function={names['py']}"),
               15, message="the edited function's container removed")
    invoking, outcome = invoke_in_background(client, names["py"], {"a": 2, "b": 3})
    dap = DapClient("127.0.0.1", ports["py"])
    try:
        dap.attach({local_file: [PYTHON_BREAK_LINE]}, [{"localRoot": str(tmp_path / "py"), "remoteRoot": "/var/task"}])
        stopped = dap.wait_event("stopped")
        assert dap.top_frame_locals(stopped["threadId"])["answer"] == "106"
        dap.request("continue", threadId=stopped["threadId"])
        invoking.join(30)
    finally:
        dap.close()
    assert outcome.get("payload", {}).get("answer") == 106, outcome

    if node_runtime is None:
        pytest.skip("no Node.js image was built here: the Node.js half is not run")
    invoking, outcome = invoke_in_background(client, names["node"], {"a": 6, "b": 7})
    inspector = CdpClient("127.0.0.1", ports["node"])
    try:
        inspector.call("Debugger.enable")
        inspector.call("Debugger.setBreakpointByUrl", lineNumber=NODE_BREAK_LINE, urlRegex=r"app\.mjs$")
        inspector.call("Runtime.runIfWaitingForDebugger")
        paused = inspector.wait_event("Debugger.paused")
        assert paused["hitBreakpoints"], paused
        frame = paused["callFrames"][0]
        assert frame["location"]["lineNumber"] == NODE_BREAK_LINE
        answer = inspector.call("Debugger.evaluateOnCallFrame", callFrameId=frame["callFrameId"], expression="answer")
        assert answer["result"]["value"] == 42
        inspector.call("Debugger.resume")
        invoking.join(30)
    finally:
        inspector.close()
    assert "error" not in outcome and "FunctionError" not in outcome["response"], outcome
    assert outcome["payload"]["answer"] == 42 and outcome["payload"]["remainingMs"] > 1000


def test_extensions_and_the_telemetry_api_in_containers(docker_gateway) -> None:
    """test_extensions.py's main scenario (a bash + curl and a Python Telemetry API
    extension in a layer, an internal one through AWS_LAMBDA_EXEC_WRAPPER) in a
    container of the python image."""
    from tests.integration.lambda_.test_extensions import (
        test_external_and_internal_extensions_with_the_telemetry_api as scenario,
    )

    if PYTHON != "python3.12":
        pytest.skip("the scenario's functions are python3.12, whose image cannot be built here")
    scenario(docker_gateway())
