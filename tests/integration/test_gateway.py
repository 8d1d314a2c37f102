"""The gateway process: start-up, health, reset, service selection, logging, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import boto3
import psutil
import pytest
import requests

from tests.support.gateway_process import ROOT, GatewayProcess


def test_ready_health_and_alias(gateway):
    assert any(line.strip() == "Ready." for line in gateway.stdout_lines)
    health = requests.get(gateway.url + "/_gateway/health").json()
    assert health["version"]
    assert set(health["services"]) >= {"lambda", "s3", "sqs", "sns", "kinesis", "dynamodb", "dynamodbstreams",
                                      "logs", "events", "iam", "sts"}
    assert set(health["services"].values()) <= {"available", "running"}
    assert health["errors"] == {}
    alias = requests.get(gateway.url + "/_localstack/health").json()
    assert alias["services"].keys() == health["services"].keys()
    head = requests.head(gateway.url + "/_gateway/health")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) > 0


def test_info_and_init_endpoints(gateway):
    info = requests.get(gateway.url + "/_localstack/info").json()
    assert info["version"] and info["edition"] == "community" and info["uptime"] >= 0
    assert requests.get(gateway.url + "/_gateway/info").json()["version"] == info["version"]
    assert requests.get(gateway.url + "/_localstack/init").json()["completed"]["READY"] is True


def test_unknown_service_names_are_a_startup_error():
    full = dict(os.environ, GATEWAY_LISTEN="127.0.0.1:0", SERVICES="lambda,nosuch")
    result = subprocess.run([sys.executable, "-m", "gateway"], cwd=ROOT, env=full, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert "SERVICES names services nobody serves: nosuch; available: dynamodb" in result.stderr


def test_services_load_lazily_and_show_running():
    with GatewayProcess() as gateway:
        health = requests.get(gateway.url + "/_gateway/health").json()
        assert set(health["services"].values()) == {"available"}
        sts = boto3.client("sts", endpoint_url=gateway.url, region_name="us-east-1")
        sts.get_caller_identity()
        health = requests.get(gateway.url + "/_gateway/health").json()
        assert health["services"]["sts"] == "running"
        assert health["services"]["lambda"] == "available"


def test_services_variable_limits_what_is_served():
    with GatewayProcess({"SERVICES": "sts"}) as gateway:
        health = requests.get(gateway.url + "/_gateway/health").json()
        assert list(health["services"]) == ["sts"]
        sqs = boto3.client("sqs", endpoint_url=gateway.url, region_name="us-east-1")
        with pytest.raises(sqs.exceptions.ClientError) as caught:
            sqs.list_queues()
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "Service 'sqs' is not enabled" in str(caught.value)


def test_request_for_an_unknown_service_is_a_clear_4xx(gateway):
    # A signed request for a service the gateway has no provider for.
    client = boto3.client("rds", endpoint_url=gateway.url, region_name="us-east-1")
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.describe_db_instances()
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Could not determine the AWS service" in response["Error"]["Message"]


def test_reset_clears_state(gateway):
    sqs = boto3.client("sqs", endpoint_url=gateway.url, region_name="us-east-1")
    sqs.create_queue(QueueName="before-reset")
    assert any(url.endswith("/before-reset") for url in sqs.list_queues().get("QueueUrls", []))
    assert requests.post(gateway.url + "/_gateway/reset").json() == {"reset": True}
    assert not sqs.list_queues().get("QueueUrls")
    assert requests.get(gateway.url + "/_gateway/reset").status_code == 405


def test_one_log_line_per_request(gateway):
    boto3.client("sts", endpoint_url=gateway.url, region_name="us-east-1").get_caller_identity()
    assert "AWS sts.GetCallerIdentity => 200" in gateway.logs()
    assert "\033[" not in gateway.logs()  # not a TTY: no colour


def test_help_documents_options_and_environment():
    result = subprocess.run([sys.executable, "-m", "gateway", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    for name in ("GATEWAY_LISTEN", "SERVICES", "DEBUG", "PERSISTENCE", "DATA_DIR", "PROVIDER_OVERRIDE_<SERVICE>",
                 "LAMBDA_KEEPALIVE_MS", "--listen"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "env, message",
    [
        ({"GATEWAY_LISTEN": "nonsense"}, "GATEWAY_LISTEN='nonsense' is not valid"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not valid; allowed values: 1, 0, true, false"),
        ({"PROVIDER_OVERRIDE_NOSUCHSERVICE": "x"}, "no provider is registered for service 'nosuchservice'"),
    ],
)
def test_bad_configuration_is_a_startup_error(env, message):
    full = dict(os.environ, GATEWAY_LISTEN="127.0.0.1:0")
    full.update(env)
    result = subprocess.run([sys.executable, "-m", "gateway"], cwd=ROOT, env=full, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert message in result.stderr


def test_discontinued_option_warns_with_replacement():
    with GatewayProcess({"LAMBDA_EXECUTOR": "local"}) as gateway:
        assert "LAMBDA_EXECUTOR is discontinued and ignored; use LAMBDA_RUNTIME_EXECUTOR" in gateway.logs()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown_on_signal(sig):
    gateway = GatewayProcess().start()
    sts = boto3.client("sts", endpoint_url=gateway.url, region_name="us-east-1")
    sts.get_caller_identity()
    pid = gateway.process.pid
    children_before = psutil.Process(pid).children(recursive=True)
    assert gateway.stop(sig) == 0
    assert "stopped" in gateway.logs()
    assert not [c for c in children_before if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
