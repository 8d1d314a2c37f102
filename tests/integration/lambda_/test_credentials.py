"""Functions hold their execution role's temporary credentials, as on AWS.

AWS facts (recorded from AWS; see the brief's sources in the README's Lambda section):
- inside a function, ``sts get-caller-identity`` answers ``Arn``
  ``arn:aws:sts::<account>:assumed-role/<role-name>/<function-name>`` and ``UserId``
  ``<role-id>:<function-name>`` (LocalStack's AWS-validated
  ``test_lambda_different_iam_keys_environment``; ``test_assume_role`` snapshots);
- a one-character function name gives the session name ``<name>@lambda_function``
  (``test_assume_role[1]`` snapshot);
- the keys are temporary (``ASIA...``) with a session token, and two concurrent
  environments hold different keys for the same assumed role;
- requests made with them act in the role's account.

Each test runs a real function that calls AWS with plain boto3 (``AWS_ENDPOINT_URL``
points it at the gateway; its credentials come from the environment).
"""

from __future__ import annotations

import http.server
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config as BotoConfig

from tests.integration.lambda_.conftest import REGION, create_function, invoke_json, python_zip, unique, wait_active

HANDLER = """
import os
import time
import urllib.request

import boto3


def handler(event, context):
    barrier = event.get("barrier")
    if barrier:  # wait until every party has arrived: the invocations overlap, in different environments
        urllib.request.urlopen(barrier + "/arrive").read()
        deadline = time.time() + 30
        while int(urllib.request.urlopen(barrier + "/count").read()) < event["parties"] and time.time() < deadline:
            time.sleep(0.01)
    if event.get("bucket"):
        boto3.client("s3").create_bucket(Bucket=event["bucket"])
    identity = boto3.client("sts").get_caller_identity()
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return {
        "env": {name: os.environ.get(name) for name in names},
        "identity": {key: identity[key] for key in ("UserId", "Account", "Arn")},
    }
"""


def client(url: str, service: str, access_key: str = "test", **credentials: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=access_key,
                        aws_secret_access_key=credentials.pop("secret", "test"),
                        config=BotoConfig(retries={"max_attempts": 1}, read_timeout=60), **credentials)


def create(lambda_client: Any, role: str, name: str = "") -> str:
    name = name or unique("creds")
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                  Code={"ZipFile": python_zip(HANDLER)}, Timeout=30, MemorySize=256)
    wait_active(lambda_client, name)
    return name


def run(lambda_client: Any, name: str, event: Any = None) -> dict:
    response, payload = invoke_json(lambda_client, name, event or {})
    assert "FunctionError" not in response, payload
    return payload


def assert_assumed_role(payload: dict, account: str, role_name: str, session: str) -> None:
    identity, env = payload["identity"], payload["env"]
    assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}"
    assert identity["Account"] == account
    role_id, _, user_session = identity["UserId"].partition(":")
    assert user_session == session
    assert role_id.startswith("AROA") and len(role_id) == 21, role_id
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and len(env["AWS_ACCESS_KEY_ID"]) == 20
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]


@pytest.mark.parametrize("executor", ["default", "process"])
def test_a_function_acts_as_its_execution_role(gateway, special_gateway, executor):
    url = gateway.url if executor == "default" else special_gateway(LAMBDA_RUNTIME_EXECUTOR="process").url
    lambda_client = client(url, "lambda")
    name = create(lambda_client, "arn:aws:iam::000000000000:role/service-role/my-execution-role")
    payload = run(lambda_client, name)
    assert_assumed_role(payload, "000000000000", "my-execution-role", name)
    # A warm environment keeps its credentials; the role has one id.
    again = run(lambda_client, name)
    assert again["env"] == payload["env"]
    assert again["identity"] == payload["identity"]


def test_the_role_id_is_iam_s_when_the_role_exists(gateway):
    iam = client(gateway.url, "iam")
    role_name = unique("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }))["Role"]
    lambda_client = client(gateway.url, "lambda")
    name = create(lambda_client, role["Arn"])
    assert run(lambda_client, name)["identity"]["UserId"] == f"{role['RoleId']}:{name}"


class Barrier:
    """A loopback endpoint functions report to (``/arrive``) and poll (``/count``)."""

    def __init__(self) -> None:
        arrived: list[str] = []
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with lock:
                    if self.path == "/arrive":
                        arrived.append(self.path)
                    body = str(len(arrived)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "Barrier":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def barrier() -> Iterator[Barrier]:
    with Barrier() as server:
        yield server


def test_concurrent_environments_hold_their_own_keys_for_one_role(gateway, barrier):
    lambda_client = client(gateway.url, "lambda")
    name = create(lambda_client, "arn:aws:iam::000000000000:role/lambda-role")
    event = {"barrier": barrier.url, "parties": 2}
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: run(lambda_client, name, event), range(2))
    for payload in (first, second):
        assert_assumed_role(payload, "000000000000", "lambda-role", name)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert first["env"][variable] != second["env"][variable], variable
    assert first["identity"] == second["identity"]


def test_a_function_acts_in_its_own_account(gateway):
    account = "111111111111"
    lambda_client = client(gateway.url, "lambda", access_key=account)
    name = create(lambda_client, f"arn:aws:iam::{account}:role/x")
    bucket = unique("made-by-a-function")
    payload = run(lambda_client, name, {"bucket": bucket})
    assert_assumed_role(payload, account, "x", name)
    assert bucket in [b["Name"] for b in client(gateway.url, "s3", access_key=account).list_buckets()["Buckets"]]
    assert bucket not in [b["Name"] for b in client(gateway.url, "s3").list_buckets()["Buckets"]]


def test_a_one_character_function_name_names_the_session_name_at_lambda_function(gateway):
    # An account of its own: one-character names are few.
    lambda_client = client(gateway.url, "lambda", access_key="333333333333")
    name = create(lambda_client, "arn:aws:iam::333333333333:role/lambda-role", name="f")
    try:
        payload = run(lambda_client, name)
        assert_assumed_role(payload, "333333333333", "lambda-role", "f@lambda_function")
    finally:
        lambda_client.delete_function(FunctionName=name)


def test_keys_a_client_obtains_act_in_the_issuing_account(gateway):
    account = "222222222222"
    role_name = unique("role")
    session = client(gateway.url, "sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role_name}",
                                                     RoleSessionName="tester")
    issued = session["Credentials"]
    keys = {"access_key": issued["AccessKeyId"], "secret": issued["SecretAccessKey"],
            "aws_session_token": issued["SessionToken"]}
    assert client(gateway.url, "sts", **keys).get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{account}:assumed-role/{role_name}/tester")
    info = client(gateway.url, "sts").get_access_key_info(AccessKeyId=issued["AccessKeyId"])
    assert info["Account"] == account
    bucket = unique("made-with-a-session")
    client(gateway.url, "s3", **keys).create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in client(gateway.url, "s3", access_key=account).list_buckets()["Buckets"]]
    assert bucket not in [b["Name"] for b in client(gateway.url, "s3").list_buckets()["Buckets"]]
    # A key nobody issued is the default account, as before.
    stranger = client(gateway.url, "sts", access_key="ASIAAAAAAAAAAAAAAAAA").get_caller_identity()
    assert stranger["Account"] == "000000000000"


def test_without_sts_functions_get_their_account_as_key(special_gateway):
    gateway = special_gateway(SERVICES="lambda,s3,logs")
    lambda_client = client(gateway.url, "lambda")
    name = create_function(lambda_client, Timeout=10)
    _, payload = invoke_json(lambda_client, name)
    assert payload["env"]["AWS_ACCESS_KEY_ID"] == "000000000000"
