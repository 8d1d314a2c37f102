"""Durable functions: the checkpoint round trip and a 1,000-step execution.

- Checkpoint round trip p50: a function (no SDK, the durable invocation input
  read by hand) times ``CheckpointDurableExecution`` through boto3 from inside
  its environment, as AWS's SDK calls it, each checkpoint recording one step
  (START + SUCCEED); then the same boto3 call against a bare server answering
  a constant (the floor: boto3 and loopback HTTP without the service).
  The difference is what the durable service adds per checkpoint.
- A 1,000-step execution end to end (AWS's Python SDK, bundled in the zip):
  ``Invoke`` to the answer, with ``PERSISTENCE=0`` and ``PERSISTENCE=1``
  (every checkpoint fsync'd before its answer).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config as BotoConfig

from tests.support.durable_sdk import sdk_files
from tests.support.gateway_process import GatewayProcess

from .common import bare_server

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLERS = Path(__file__).resolve().parents[1] / "tests" / "integration" / "lambda_" / "functions" / "durable_handlers.py"
ROUNDS = 400

TIMER = '''
import json, os, statistics, time

import boto3
from botocore.config import Config


def handler(event, context):
    execution = event["InitialExecutionState"]["Operations"][0]
    settings = json.loads(execution["ExecutionDetails"]["InputPayload"])
    config = Config(retries={"max_attempts": 0})
    arn, token = event["DurableExecutionArn"], event["CheckpointToken"]

    def run(client, rounds, token, prefix):
        samples = []
        for index in range(rounds):
            step = {"Id": f"{prefix}{index}", "Type": "STEP", "SubType": "Step", "Name": f"s{index}"}
            started = time.perf_counter()
            answer = client.checkpoint_durable_execution(
                DurableExecutionArn=arn, CheckpointToken=token,
                Updates=[dict(step, Action="START"), dict(step, Action="SUCCEED", Payload=str(index))])
            samples.append((time.perf_counter() - started) * 1000)
            token = answer["CheckpointToken"]
        return samples, token

    bare = boto3.client("lambda", endpoint_url=settings["bare"], config=config)
    gateway = boto3.client("lambda", config=config)
    run(bare, 50, token, "w")  # warm up both clients
    _, token = run(gateway, 50, token, "w")
    bare_samples, _ = run(bare, settings["rounds"], token, "b")
    gateway_samples, token = run(gateway, settings["rounds"], token, "g")
    result = {"bare_p50_ms": statistics.median(bare_samples), "gateway_p50_ms": statistics.median(gateway_samples)}
    return {"Status": "SUCCEEDED", "Result": json.dumps(result)}
'''


def _zip(files: dict[str, object]) -> bytes:
    from tests.integration.lambda_.conftest import make_zip

    return make_zip(files)  # type: ignore[arg-type]


def _client(url: str):
    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                        config=BotoConfig(retries={"max_attempts": 0}, read_timeout=900))


def _create(client, name: str, code: bytes, handler: str) -> None:
    client.create_function(FunctionName=name, Runtime="python3.13", Role=ROLE, Handler=handler,
                           Code={"ZipFile": code}, Timeout=900, MemorySize=1024,
                           DurableConfig={"ExecutionTimeout": 3600})


def checkpoint_round_trip() -> dict[str, float]:
    constant = b'{"CheckpointToken":"AAAA","NewExecutionState":{"Operations":[]}}'
    with bare_server(constant) as bare, GatewayProcess({"LAMBDA_SYNCHRONOUS_CREATE": "1"}) as gateway:
        client = _client(gateway.url)
        _create(client, "checkpoint-timer", _zip({"index.py": TIMER}), "index.handler")
        response = client.invoke(FunctionName="checkpoint-timer", Qualifier="$LATEST",
                                 Payload=json.dumps({"bare": bare, "rounds": ROUNDS}))
        answer = response["Payload"].read()
        if response.get("FunctionError"):
            raise RuntimeError(answer)
        figures = json.loads(answer)
    figures["overhead_ms"] = figures["gateway_p50_ms"] - figures["bare_p50_ms"]
    print(f"  checkpoint round trip (one step, boto3 in the function): p50 {figures['gateway_p50_ms']:.2f} ms; "
          f"bare boto3 floor p50 {figures['bare_p50_ms']:.2f} ms; service adds {figures['overhead_ms']:.2f} ms",
          flush=True)
    return figures


def thousand_steps(persistence: bool) -> float:
    files = sdk_files()
    if files is None:
        raise RuntimeError("aws-durable-execution-sdk-python could not be downloaded from PyPI")
    with tempfile.TemporaryDirectory(prefix="durable-bench-") as data_dir:
        env = {"LAMBDA_SYNCHRONOUS_CREATE": "1", "PERSISTENCE": "1" if persistence else "0", "DATA_DIR": data_dir}
        with GatewayProcess(env) as gateway:
            client = _client(gateway.url)
            _create(client, "steps", _zip({"index.py": HANDLERS.read_text(), **files}), "index.many_steps")
            client.invoke(FunctionName="steps", Qualifier="$LATEST", Payload=b'{"steps": 1}')  # a warm environment
            started = time.perf_counter()
            response = client.invoke(FunctionName="steps", Qualifier="$LATEST", Payload=b'{"steps": 1000}')
            seconds = time.perf_counter() - started
            answer = response["Payload"].read()
            if response.get("FunctionError") or json.loads(answer) != sum(range(1000)):
                raise RuntimeError(answer)
    label = "PERSISTENCE=1" if persistence else "PERSISTENCE=0"
    print(f"  1,000-step execution end to end ({label}): {seconds:.2f} s ({seconds:.2f} ms per step)", flush=True)
    return seconds


def run() -> dict[str, object]:
    figures: dict[str, object] = {"checkpoint": checkpoint_round_trip()}
    figures["thousand_steps_s"] = {"memory": thousand_steps(False), "persistent": thousand_steps(True)}
    return figures
