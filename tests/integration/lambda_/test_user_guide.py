"""The user guide's walkthroughs (shared/seed/lambda-user-guide.md), run as
written with ``awslocal`` (the installed AWS CLI is v1, so the "AWS CLI v1" tab).

Only ``/tmp`` is replaced by a per-test directory, so runs never collide.
They run on a gateway with ``DEBUG=1``, whose log must show the function's
output the way the guide prints it (``> START RequestId: ...``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import client_for, wait_until

ROOT = Path(__file__).resolve().parents[3]
AWSLOCAL = str(ROOT / ".venv" / "bin" / "awslocal")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

MULTIPLY_JS = """exports.handler = async (event) => {
    let body = JSON.parse(event.body)
    const product = body.num1 * body.num2;
    const response = {
        statusCode: 200,
        body: "The product of " + body.num1 + " and " + body.num2 + " is " + product,
    };
    return response;
};
"""


def env_for(gateway, cli_env: dict) -> dict:
    env = dict(cli_env)
    env["AWS_ENDPOINT_URL"] = gateway.url
    env["LOCALSTACK_HOST"] = f"127.0.0.1:{gateway.port}"
    env["EDGE_PORT"] = str(gateway.port)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def shell(script: str, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, f"{script}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def debug_gateway(special_gateway):
    return special_gateway(LAMBDA_ASYNC_RETRY_BASE_MS="50", DEBUG="1", LAMBDA_TRUNCATE_STDOUT="200")


def test_getting_started_nodejs_multiply(debug_gateway, cli_env, tmp_path):
    env = env_for(debug_gateway, cli_env)
    (tmp_path / "index.js").write_text(MULTIPLY_JS)
    create = shell("""
zip function.zip index.js
awslocal lambda create-function \\
    --function-name localstack-lambda-url-example \\
    --runtime nodejs18.x \\
    --zip-file fileb://function.zip \\
    --handler index.handler \\
    --role arn:aws:iam::000000000000:role/lambda-role
""", tmp_path, env)
    created = json.loads(create.stdout[create.stdout.index("{"):])
    assert created["FunctionName"] == "localstack-lambda-url-example"
    assert created["Runtime"] == "nodejs18.x"
    assert created["State"] == "Pending"

    invoke = shell("""
awslocal lambda invoke --function-name localstack-lambda-url-example \\
    --payload '{"body": "{\\"num1\\": \\"10\\", \\"num2\\": \\"10\\"}" }' output.txt
""", tmp_path, env)
    assert json.loads(invoke.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads((tmp_path / "output.txt").read_text()) == {
        "statusCode": 200,
        "body": "The product of 10 and 10 is 100",
    }
    # The troubleshooting section's waiter answers at once for an Active function.
    shell("awslocal lambda wait function-active-v2 --function-name localstack-lambda-url-example", tmp_path, env)
    state = shell("awslocal lambda get-function --function-name localstack-lambda-url-example", tmp_path, env)
    configuration = json.loads(state.stdout)["Configuration"]
    assert (configuration["State"], configuration["LastUpdateStatus"]) == ("Active", "Successful")


def test_layers_walkthrough(debug_gateway, cli_env, tmp_path):
    env = env_for(debug_gateway, cli_env)
    script = """
mkdir -p {d}/python/
echo 'def util():' > {d}/python/testlayer.py
echo '  print("Output from Lambda layer util function")' >> {d}/python/testlayer.py
(cd {d}; zip -r testlayer.zip python)
LAYER_ARN=$(awslocal lambda publish-layer-version --layer-name layer1 --zip-file fileb://{d}/testlayer.zip | jq -r .LayerVersionArn)

echo 'def handler(*args, **kwargs):' > {d}/testlambda.py
echo '  import testlayer; testlayer.util()' >> {d}/testlambda.py
echo '  print("Debug output from Lambda function")' >> {d}/testlambda.py
(cd {d}; zip testlambda.zip testlambda.py)
awslocal lambda create-function \\
  --function-name func1 \\
  --runtime python3.8 \\
  --role arn:aws:iam::000000000000:role/lambda-role \\
  --handler testlambda.handler \\
  --timeout 30 \\
  --zip-file fileb://{d}/testlambda.zip \\
  --layers $LAYER_ARN

awslocal lambda wait function-active-v2 --function-name func1
awslocal lambda invoke --function-name func1 --log-type Tail {d}/out.json
""".format(d=tmp_path)
    result = shell(script, tmp_path, env)
    created = json.loads(result.stdout[result.stdout.index('{\n    "FunctionName"'):result.stdout.rindex('{\n    "StatusCode"')])
    assert re.fullmatch(r"arn:aws:lambda:us-east-1:000000000000:layer:layer1:\d+", created["Layers"][0]["Arn"])
    invoked = json.loads(result.stdout[result.stdout.rindex('{\n    "StatusCode"'):])
    assert invoked["StatusCode"] == 200 and "FunctionError" not in invoked
    assert (tmp_path / "out.json").read_text() == "null"

    # The log as LogType: Tail returns it...
    tail = base64.b64decode(invoked["LogResult"]).decode().splitlines()
    request_id = re.match(rf"START RequestId: ({UUID}) Version: \$LATEST$", tail[0]).group(1)
    assert tail[1:4] == [
        "Output from Lambda layer util function",
        "Debug output from Lambda function",
        f"END RequestId: {request_id}",
    ]

    # ...and as the gateway's own log shows it with DEBUG=1, prefixed as in the guide.
    def guide_lines():
        shown = [line.split("> ", 1)[1] for line in debug_gateway.logs().splitlines() if "> " in line]
        if f"END RequestId: {request_id}" not in shown:
            return None
        start = shown.index(f"START RequestId: {request_id} Version: $LATEST")
        return shown[start:start + 4]

    assert wait_until(guide_lines, 5, message="the guide's log lines") == [
        f"START RequestId: {request_id} Version: $LATEST",
        "Output from Lambda layer util function",
        "Debug output from Lambda function",
        f"END RequestId: {request_id}",
    ]


def test_pending_function_troubleshooting(special_gateway, cli_env, tmp_path):
    """'Function in Pending state': an invoke during Pending answers the guide's
    ResourceConflictException, get-function shows Pending with its reason, and
    ``wait function-active-v2`` returns once the function is Active."""
    # Long enough for two awslocal commands (each ~1.5 s to start) on a loaded machine.
    gateway = special_gateway(LAMBDA_STATE_TRANSITION_DELAY_MS="8000")
    env = env_for(gateway, cli_env)
    from .conftest import python_zip

    (tmp_path / "f.zip").write_bytes(python_zip("def handler(e, c):\n    return 'ok'\n"))
    client = client_for(gateway.url)
    client.create_function(FunctionName="my-function", Runtime="python3.12", Handler="index.handler",
                           Role="arn:aws:iam::000000000000:role/lambda-role",
                           Code={"ZipFile": (tmp_path / "f.zip").read_bytes()})
    refused = shell("awslocal lambda invoke --function-name my-function out.json", tmp_path, env, check=False)
    assert refused.returncode != 0
    assert "An error occurred (ResourceConflictException) when calling the Invoke operation" in refused.stderr
    assert ("The operation cannot be performed at this time. "
            "The function is currently in the following state: Pending") in refused.stderr
    pending = json.loads(shell("awslocal lambda get-function --function-name my-function", tmp_path, env).stdout)
    configuration = pending["Configuration"]
    assert configuration["State"] == "Pending"
    assert configuration["StateReason"] == "The function is being created."
    assert configuration["StateReasonCode"] == "Creating"

    shell("awslocal lambda wait function-active-v2 --function-name my-function", tmp_path, env)
    active = json.loads(shell("awslocal lambda get-function --function-name my-function", tmp_path, env).stdout)
    assert (active["Configuration"]["State"], active["Configuration"]["LastUpdateStatus"]) == ("Active", "Successful")
    assert active["Configuration"]["RevisionId"] != configuration["RevisionId"]
    shell("awslocal lambda invoke --function-name my-function out.json", tmp_path, env)
    assert (tmp_path / "out.json").read_text() == '"ok"'


def test_aws_cli_with_endpoint_url(gateway_url, cli_env, tmp_path, lambda_client, echo_functions):
    """The plain AWS CLI pointed at the gateway works like awslocal."""
    env = dict(cli_env)
    result = shell(f"{ROOT / '.venv/bin/aws'} --endpoint-url {gateway_url} lambda invoke "
                   f"--function-name {echo_functions['python']} --payload '{{\"from\": \"cli\"}}' out.json",
                   tmp_path, env)
    assert json.loads(result.stdout)["StatusCode"] == 200
    assert json.loads((tmp_path / "out.json").read_text())["event"] == {"from": "cli"}
