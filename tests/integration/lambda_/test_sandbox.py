"""Functions run as they run on AWS, and cannot reach what is not theirs.

Each test runs a real function (``functions/hostile.py``) under a real gateway
with the ``sandbox`` executor (bubblewrap), and where the point applies to
every executor, under ``process`` too. Facts about AWS's environment
(variables, ids, limits, error shapes) were recorded from AWS (LocalStack's
introspection snapshots and AWS's base images; see the README's executor
section)."""

from __future__ import annotations

import json
import os
import threading
import uuid
from typing import Any

import psutil
import pytest

from providers.lambda_.executors.sandbox import unavailable_reason
from tests.integration.lambda_.conftest import (
    client_for,
    create_function,
    invoke_json,
    make_zip,
    process_alive,
    source,
    wait_until,
)

SANDBOX_UNAVAILABLE = unavailable_reason()
needs_sandbox = pytest.mark.skipif(SANDBOX_UNAVAILABLE is not None,
                                   reason=f"the sandbox cannot run here: {SANDBOX_UNAVAILABLE}")
EXECUTORS = [pytest.param("sandbox", marks=needs_sandbox), "process"]

# What AWS sets for python3.12 (recorded from AWS), plus the gateway's documented AWS_ENDPOINT_URL.
PYTHON_VARIABLES = {
    "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
    "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "LANG", "LC_CTYPE", "LD_LIBRARY_PATH", "PATH", "PWD", "PYTHONPATH",
    "SHLVL", "TZ", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "_HANDLER", "_X_AMZN_TRACE_ID",
    "AWS_ENDPOINT_URL", "TEST_KEY",
}
AWS_PATH = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
AWS_LD_LIBRARY_PATH = "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"


def account_client(url: str, account: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id=account,
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}, read_timeout=60))


def hostile_zip() -> bytes:
    return make_zip({"hostile.py": source("hostile.py")})


@pytest.fixture(scope="module", params=EXECUTORS)
def executor(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def gateway_for(special_gateway, executor):
    return special_gateway(LAMBDA_RUNTIME_EXECUTOR=executor)


@pytest.fixture(scope="module")
def client(gateway_for) -> Any:
    return client_for(gateway_for.url, read_timeout=120)


def hostile(client: Any, **kwargs: Any) -> str:
    kwargs.setdefault("Timeout", 30)
    return create_function(client, zip_bytes=hostile_zip(), handler="hostile.handler", **kwargs)


def act(client: Any, name: str, action: str, **event: Any) -> tuple[dict, Any]:
    return invoke_json(client, name, {"action": action, **event})


# The environment AWS gives ------------------------------------------------------------------------
@needs_sandbox
def test_sandbox_is_the_default_and_says_so(special_gateway) -> None:
    import urllib.request

    gateway = special_gateway()  # no LAMBDA_RUNTIME_EXECUTOR
    client = client_for(gateway.url)
    name = hostile(client)
    _, seen = act(client, name, "introspect")
    assert seen["uid"] == 993
    with urllib.request.urlopen(f"{gateway.url}/_gateway/info") as response:
        info = json.loads(response.read())
    assert info["lambda"]["executor"] == "sandbox"


@needs_sandbox
def test_python_sees_the_variables_aws_sets(special_gateway) -> None:
    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url)
    name = hostile(client, Environment={"Variables": {"TEST_KEY": "TEST_VAL"}}, MemorySize=256)
    _, seen = act(client, name, "introspect")
    env = seen["environ"]
    assert set(env) == PYTHON_VARIABLES, "exactly AWS's variables (+ AWS_ENDPOINT_URL)"
    assert "HOME" not in env
    assert env["PATH"] == AWS_PATH and env["LD_LIBRARY_PATH"] == AWS_LD_LIBRARY_PATH
    assert env["PYTHONPATH"] == "/var/runtime" and env["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert env["LAMBDA_TASK_ROOT"] == "/var/task" and env["PWD"] == "/var/task" and env["SHLVL"] == "0"
    assert env["TZ"] == ":UTC" and env["LANG"] == "en_US.UTF-8"
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "169.254.79.129:2000" and env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand" and env["TEST_KEY"] == "TEST_VAL"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert seen["executable"] == "/var/lang/bin/python3.12"
    assert seen["sys_path"][:4] == ["/var/task", "/opt/python/lib/python3.12/site-packages", "/opt/python",
                                    "/var/runtime"]
    assert seen["cwd"] == "/var/task"
    assert '"/var/task/hostile.py"' in seen["stack"], "stack traces show AWS's paths"


@needs_sandbox
def test_node_and_provided_see_their_families_variables(special_gateway) -> None:
    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url)
    node = create_function(client, "node", zip_bytes=make_zip({"index.mjs": (
        "export const handler = async () => ({env: process.env, exec: process.execPath, argv: process.argv, "
        "uid: process.getuid()});")}))
    _, seen = invoke_json(client, node)
    env = seen["env"]
    assert env["NODE_PATH"] == ("/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:"
                                "/var/runtime:/var/task")
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x" and env["PATH"] == AWS_PATH
    assert "NODE_EXTRA_CA_CERTS" not in env and "PYTHONPATH" not in env and "HOME" not in env
    assert seen["argv"][1] == "/var/runtime/index.mjs" and seen["uid"] == 993

    provided = create_function(client, "provided", zip_bytes=make_zip({"bootstrap": (
        "#!/bin/sh\nset -e\nwhile true; do\n"
        "  H=$(mktemp); curl -sS -D $H -o /dev/null http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next\n"
        "  ID=$(grep -i Lambda-Runtime-Aws-Request-Id $H | tr -d '\\r' | cut -d' ' -f2)\n"
        "  env -u PWD -u SHLVL -u _ | sort | sed 's/^/\"/; s/=.*/\",/' | tr -d '\\n' | sed 's/^/[/; s/,$/]/' > /tmp/r\n"
        "  curl -sS -X POST --data-binary @/tmp/r http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response\n"
        "done\n")}, executable=("bootstrap",)))
    _, names = invoke_json(client, provided)
    assert "AWS_EXECUTION_ENV" not in names, "custom runtimes get no AWS_EXECUTION_ENV"
    assert {"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "AWS_LAMBDA_RUNTIME_API"} <= set(names)


@needs_sandbox
def test_identity_namespaces_and_limits(special_gateway) -> None:
    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url)
    name = hostile(client, MemorySize=512)
    _, seen = act(client, name, "introspect")
    assert (seen["uid"], seen["gid"], seen["user"]) == (993, 990, "sbx_user1051")
    assert seen["pid"] < 10 and len(seen["processes"]) < 10, "its own pid namespace: only its own processes"
    assert {"opt", "tmp", "var", "usr", "proc", "dev", "etc"} <= set(seen["root"])
    assert not {"root", "home", "work", "mnt", "srv", "run", "sys", "boot"} & set(seen["root"])
    assert seen["hostname"] == "localhost", "its own uts namespace"
    assert seen["meminfo"][0].split() == ["MemTotal:", str(512 * 1024), "kB"], "memory as MemorySize"
    limits = seen["limits"]
    assert limits["RLIMIT_NOFILE"] == [1024, 1024] and limits["RLIMIT_NPROC"] == [1024, 1024]
    assert limits["RLIMIT_MEMLOCK"] == [65536, 65536] and limits["RLIMIT_STACK"][0] == 8388608


# What a function must not reach ----------------------------------------------------------------------
@needs_sandbox
def test_files_of_the_host_and_the_gateway_are_out_of_reach(special_gateway, tmp_path) -> None:
    data_dir = tmp_path / "data"
    gateway = special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox", PERSISTENCE="1", DATA_DIR=str(data_dir))
    client = client_for(gateway.url)
    name = hostile(client)
    secrets = [str(data_dir), str(data_dir / "lambda"), os.path.expanduser("~/.aws"), os.path.expanduser("~"),
               "/etc/shadow", "/root", "/work", os.getcwd()]
    _, seen = act(client, name, "read", paths=secrets)
    for path, result in seen.items():
        assert str(result).startswith("FileNotFoundError"), f"{path} is visible: {result}"
    _, written = act(client, name, "write", paths=["/var/task/x", "/opt/x", "/etc/x", "/x", "/tmp/x"])
    assert written["/tmp/x"] == "written"
    for path in ("/var/task/x", "/opt/x", "/etc/x", "/x"):
        assert written[path] == "OSError: Read-only file system", path


@needs_sandbox
def test_tmp_is_private_and_limited_to_ephemeral_storage(special_gateway) -> None:
    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url)
    first = hostile(client, MemorySize=1024)
    second = hostile(client, MemorySize=1024)
    act(client, first, "write", paths=["/tmp/mine"])
    _, seen = act(client, second, "read", paths=["/tmp/mine"])
    assert seen["/tmp/mine"].startswith("FileNotFoundError")
    _, written = act(client, first, "write", paths=["/tmp/big"], bytes=600 * 1024 * 1024)  # EphemeralStorage 512
    assert written["/tmp/big"] == "OSError: No space left on device"


@pytest.mark.parametrize("executor", EXECUTORS, indirect=True)
def test_a_function_cannot_use_another_functions_runtime_api(gateway_for, executor) -> None:
    victim_client = client_for(gateway_for.url)
    attacker_client = account_client(gateway_for.url, "111111111111")  # another account, as on a shared machine
    victim = create_function(victim_client, zip_bytes=make_zip({"index.py": (
        "import time\ndef handler(event, context):\n    time.sleep(0.2)\n    return 'genuine'\n")}), Timeout=10)
    assert invoke_json(victim_client, victim)[1] == "genuine"  # its environment is warm, waiting for work
    attacker = hostile(attacker_client)
    gateway_port = gateway_for.port
    ports = sorted({c.laddr.port for c in psutil.Process(gateway_for.process.pid).net_connections("tcp")
                    if c.status == psutil.CONN_LISTEN and c.laddr.port != gateway_port})
    results: list[Any] = []

    def victim_calls() -> None:
        for _ in range(6):
            results.append(invoke_json(victim_client, victim)[1])

    caller = threading.Thread(target=victim_calls)
    caller.start()
    _, attack = act(attacker_client, attacker, "runtime_apis", only=ports)
    caller.join(60)
    assert results == ["genuine"] * 6, f"{executor}: invocations answered by another function: {results}"
    assert "answered for another function" not in attack["answers"].values(), attack


@needs_sandbox
def test_a_function_cannot_read_another_functions_variables(special_gateway) -> None:
    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url)
    victim = create_function(client, Environment={"Variables": {"SECRET": "s3cr3t-value"}})
    invoke_json(client, victim, {})
    attacker = hostile(client)
    _, environs = act(client, attacker, "environ_of")
    assert not any("s3cr3t-value" in text for text in environs.values())


@pytest.mark.parametrize("executor", EXECUTORS, indirect=True)
def test_a_function_calls_the_gateway_only_as_its_own_account(gateway_for, executor) -> None:
    """The API checks no signatures: a key naming another account would reach its
    functions. From inside an environment, only the function's own account counts."""
    victim_client = client_for(gateway_for.url)  # 000000000000
    attacker_client = account_client(gateway_for.url, "111111111111")
    victim = create_function(victim_client, Environment={"Variables": {"SECRET": "s3cr3t-value"}})
    victim_client.add_permission(FunctionName=victim, StatementId="granted", Action="lambda:InvokeFunction",
                                 Principal="111111111111")
    attacker = hostile(attacker_client, Role="arn:aws:iam::111111111111:role/lambda-role")
    victim_arn = victim_client.get_function(FunctionName=victim)["Configuration"]["FunctionArn"]
    response, seen = act(attacker_client, attacker, "call_gateway", other_account="000000000000", target=victim_arn)
    assert "FunctionError" not in response, seen
    assert seen["other_account"] == {"Code": "UnrecognizedClientException",
                                     "Message": "The security token included in the request is invalid."}, seen
    assert attacker in seen["own_functions"] and victim not in seen["own_functions"]
    assert isinstance(seen["invoke_granted"], str), seen  # what a resource policy grants still works
    assert seen["reset"] == 403
    assert victim_client.get_function(FunctionName=victim)  # nothing was reset
    # Outside environments, keys name accounts as before.
    assert victim_client.get_function_configuration(FunctionName=victim)["Environment"]["Variables"]["SECRET"]
    logs = gateway_for.logs()
    assert "refused (another account's key, from a function)" in logs
    assert "refused (admin call from a function) POST /_localstack/state/reset => 403" in logs


@needs_sandbox
def test_environments_of_a_new_size_start_together(special_gateway) -> None:
    """Concurrent cold starts share the sandbox's per-size files (/proc/meminfo) without tripping on each other."""
    from concurrent.futures import ThreadPoolExecutor

    client = client_for(special_gateway(LAMBDA_RUNTIME_EXECUTOR="sandbox").url, max_pool_connections=8)
    name = create_function(client, MemorySize=333 + os.getpid() % 100)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: client.invoke(FunctionName=name, Payload=b"{}"), range(6)))
    assert [a.get("FunctionError") for a in answers] == [None] * 6, [a["Payload"].read() for a in answers]


# Hostile functions, contained ------------------------------------------------------------------------
@pytest.mark.parametrize("executor", EXECUTORS, indirect=True)
def test_allocating_past_memory_size_is_out_of_memory(client, executor) -> None:
    name = hostile(client, MemorySize=128)
    response, error = act(client, name, "allocate", mb=300)
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    logs = client.invoke(FunctionName=name, Payload=json.dumps({"action": "allocate", "mb": 300}), LogType="Tail")
    import base64

    tail = base64.b64decode(logs["LogResult"]).decode()
    assert "Status: error\tError Type: Runtime.OutOfMemory" in tail
    assert act(client, name, "allocate", mb=20)[1] == {"allocated_mb": 20}, "a new environment serves the next one"


@pytest.mark.parametrize("executor", EXECUTORS, indirect=True)
def test_processes_end_with_their_environment(client, gateway_for, executor) -> None:
    name = hostile(client)
    seconds = 300 + int(uuid.uuid4().int % 600)  # a sleep of this length is ours
    act(client, name, "escape", seconds=seconds)

    def escaped() -> list[int]:
        return [p.pid for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["/bin/sleep", str(seconds)]]

    pids = wait_until(escaped, 5, message="the escaped child runs after its invocation")
    client.delete_function(FunctionName=name)
    wait_until(lambda: not any(process_alive(pid) for pid in pids), 10, message="escaped children killed on delete")


@pytest.mark.parametrize("executor", EXECUTORS, indirect=True)
def test_megabytes_of_output_and_oversized_responses(client, executor) -> None:
    name = hostile(client, MemorySize=256)
    neighbour = hostile(client)
    response, result = act(client, name, "print", kb=8 * 1024)
    assert result == {"printed_kb": 8192} and "FunctionError" not in response
    response, error = act(client, name, "respond", bytes=7 * 1024 * 1024)
    assert error == {"errorType": "Function.ResponseSizeTooLarge",
                     "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}
    assert act(client, neighbour, "introspect")[0]["StatusCode"] == 200
    assert act(client, name, "respond", bytes=10)[1] == "z" * 10
