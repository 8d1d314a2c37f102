"""A third-party package registers a provider, an executor and an event-source
poller through its own setup.cfg; PROVIDER_OVERRIDE_<SERVICE>,
LAMBDA_RUNTIME_EXECUTOR and LAMBDA_EVENT_SOURCE_POLLER_<SOURCE> switch a real
gateway process to them."""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import pytest

from tests.support.gateway_process import ROOT, GatewayProcess
from tests.support.plugin_package import install_plugin_package


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> str:
    """Build and install the plugin package into its own directory."""
    return install_plugin_package(tmp_path_factory.mktemp("plugin"))


def _sts(url: str):
    return boto3.client(
        "sts", endpoint_url=url, region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_override_selects_the_third_party_provider(plugin_path):
    env = {"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)]), "PROVIDER_OVERRIDE_STS": "constant"}
    with GatewayProcess(env) as gateway:
        identity = _sts(gateway.url).get_caller_identity()
        assert identity["Account"] == "999999999999"
        assert identity["Arn"] == "arn:aws:iam::999999999999:user/plugin-in-eu-west-1"
        health = __import__("requests").get(gateway.url + "/_gateway/health").json()
        assert health["providers"]["sts"] == "constant"
        assert health["services"]["sts"] == "running"


def test_without_override_the_default_provider_serves(plugin_path):
    env = {"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)])}
    with GatewayProcess(env) as gateway:
        assert _sts(gateway.url).get_caller_identity()["Account"] == "000000000000"


def test_unknown_override_is_a_startup_error_listing_the_available(plugin_path):
    env = dict(os.environ)
    env.update({"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)]), "PROVIDER_OVERRIDE_STS": "nope",
                "GATEWAY_LISTEN": "127.0.0.1:0"})
    result = subprocess.run(
        [sys.executable, "-m", "gateway"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "PROVIDER_OVERRIDE_STS='nope' is not a provider of 'sts'; available: constant, moto" in result.stderr


def test_operation_the_provider_lacks_answers_501_naming_it(plugin_path):
    env = {"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)]), "PROVIDER_OVERRIDE_STS": "constant"}
    with GatewayProcess(env) as gateway:
        client = _sts(gateway.url)
        with pytest.raises(client.exceptions.ClientError) as caught:
            client.assume_role(RoleArn="arn:aws:iam::000000000000:role/r", RoleSessionName="session")
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert error["Error"]["Code"] == "InternalFailure"
        assert error["Error"]["Message"] == "The operation AssumeRole of service sts is not implemented"
        # and it keeps serving
        assert client.get_caller_identity()["Account"] == "999999999999"
        assert "AWS sts.AssumeRole => 501" in gateway.logs()


def test_a_third_party_executor_runs_functions(plugin_path):
    import io
    import json
    import zipfile

    env = {"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)]), "LAMBDA_RUNTIME_EXECUTOR": "inline"}
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'process'\n")
    with GatewayProcess(env) as gateway:
        client = boto3.client("lambda", endpoint_url=gateway.url, region_name="us-east-1")
        client.create_function(FunctionName="inline", Runtime="python3.12", Handler="index.handler",
                               Role="arn:aws:iam::000000000000:role/lambda-role", Code={"ZipFile": code.getvalue()})
        client.get_waiter("function_active_v2").wait(FunctionName="inline", WaiterConfig={"Delay": 0.1})
        response = client.invoke(FunctionName="inline", Payload=b'{"n": 1}')
        assert json.loads(response["Payload"].read()) == {
            "executor": "inline", "handler": "index.handler", "event": {"n": 1}
        }


def test_a_third_party_poller_reads_a_source_the_gateway_has_no_poller_for(plugin_path):
    """The package's ``mq`` poller (the gateway has none for Amazon MQ) is given a
    mapping, the backend and botocore clients aimed at the gateway: it relays an
    SQS queue standing in for the broker's queue to the function, and the
    function's answers to ``<queue>-replies``."""
    import json

    from tests.integration.lambda_.config_helpers import create_function, wait_until

    env = {"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)])}
    with GatewayProcess(env) as gateway:
        def client(service: str):
            return boto3.client(service, endpoint_url=gateway.url, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test")

        lam, sqs = client("lambda"), client("sqs")
        queue = sqs.create_queue(QueueName="broker-queue")["QueueUrl"]
        replies = sqs.create_queue(QueueName="broker-queue-replies")["QueueUrl"]
        function = create_function(lam)
        broker = "arn:aws:mq:us-east-1:000000000000:broker:toy:b-0b6b4bd8-5c1f-4b1b-9d1a-3c3b8f5c7e21"
        mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=broker, Queues=["broker-queue"])
        wait_until(lambda: lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled")
        sqs.send_message(QueueUrl=queue, MessageBody="from the broker")

        def relayed():
            messages = sqs.receive_message(QueueUrl=replies, WaitTimeSeconds=1).get("Messages", [])
            return messages and json.loads(messages[0]["Body"])

        assert wait_until(relayed, timeout=20) == {"toy": "mq", "bodies": ["from the broker"]}
        health = __import__("requests").get(gateway.url + "/_gateway/health").json()
        assert health["details"]["lambda"]["event_source_pollers"]["running"] == 1


def test_an_unknown_poller_selection_is_a_startup_error_listing_the_available(plugin_path):
    env = dict(os.environ)
    env.update({"PYTHONPATH": os.pathsep.join([plugin_path, str(ROOT)]), "LAMBDA_EVENT_SOURCE_POLLER_SQS": "nope",
                "GATEWAY_LISTEN": "127.0.0.1:0"})
    result = subprocess.run(
        [sys.executable, "-m", "gateway"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "LAMBDA_EVENT_SOURCE_POLLER_SQS='nope' is not a poller of 'sqs'; available: " in result.stderr
    assert "toy" in result.stderr.split("available: ", 1)[1]
