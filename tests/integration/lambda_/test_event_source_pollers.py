"""The poller manager through a real gateway: one poller per enabled mapping,
started and stopped as the mapping's state changes, restarted when it dies,
resumed after a restart with PERSISTENCE=1, stopped by reset.

The poller here is the test package's toy (``tests/plugin_pkg``, chosen with
``LAMBDA_EVENT_SOURCE_POLLER_SQS=toy``): it relays an SQS queue's bodies to the
function and the function's answers to ``<queue>-replies``, so a test sees
each delivery. ``/_gateway/health`` counts the running pollers
(``details.lambda.event_source_pollers``).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import boto3
import pytest
import requests

from tests.support.gateway_process import GatewayProcess
from tests.support.plugin_package import install_plugin_package, plugin_pythonpath

from .config_helpers import create_function, unique, wait_until
from .conftest import create_function as create_python
from .conftest import python_zip

REGION = "us-east-1"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> str:
    return install_plugin_package(tmp_path_factory.mktemp("plugin"))


def toy_gateway(plugin_path: str, **env: str) -> GatewayProcess:
    return GatewayProcess({"PYTHONPATH": plugin_pythonpath(plugin_path), "LAMBDA_EVENT_SOURCE_POLLER_SQS": "toy", **env})


@pytest.fixture(scope="module")
def gateway(plugin_path) -> Iterator[GatewayProcess]:
    with toy_gateway(plugin_path) as process:
        yield process


class Clients:
    def __init__(self, url: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id="test",
                                aws_secret_access_key="test")

        self.url = url
        self.lam = client("lambda")
        self.sqs = client("sqs")

    def pollers(self) -> dict[str, int]:
        details = requests.get(f"{self.url}/_gateway/health", timeout=10).json()["details"]
        return details.get("lambda", {}).get("event_source_pollers", {"running": 0, "restarts": 0})

    def queues(self, name: str) -> tuple[str, str, str]:
        """A queue and its replies queue: (queue ARN, queue URL, replies URL)."""
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        replies = self.sqs.create_queue(QueueName=f"{name}-replies")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return arn, url, replies

    def reply(self, replies_url: str, timeout: float = 20.0) -> Any:
        """The next answer the toy relayed from the function."""
        def received() -> Any:
            messages = self.sqs.receive_message(QueueUrl=replies_url, WaitTimeSeconds=1).get("Messages", [])
            for message in messages:
                self.sqs.delete_message(QueueUrl=replies_url, ReceiptHandle=message["ReceiptHandle"])
            return messages and json.loads(messages[0]["Body"])

        return wait_until(received, timeout=timeout)

    def waiting(self, queue_url: str) -> int:
        """Messages in the queue that nobody has received."""
        attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def state_becomes(self, uuid: str, state: str) -> dict:
        return wait_until(lambda: (lambda m: m if m["State"] == state else None)(
            self.lam.get_event_source_mapping(UUID=uuid)))

    def running_becomes(self, count: int, timeout: float = 10.0) -> None:
        wait_until(lambda: self.pollers()["running"] == count, timeout=timeout)


@pytest.fixture
def clients(gateway) -> Iterator[Clients]:
    clients = Clients(gateway.url)
    yield clients
    requests.post(f"{gateway.url}/_gateway/reset", timeout=30)
    clients.running_becomes(0)  # a stopped toy finishes its read (up to a second) before the next test


def test_a_mapping_polls_while_enabled(clients):
    function = create_function(clients.lam)
    arn, queue_url, replies_url = clients.queues(unique("source"))
    assert clients.pollers()["running"] == 0
    created = clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, BatchSize=5)
    assert (created["State"], created["StateTransitionReason"]) == ("Creating", "USER_INITIATED")
    clients.state_becomes(created["UUID"], "Enabled")
    clients.running_becomes(1)
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="first")
    assert clients.reply(replies_url) == {"toy": "sqs", "bodies": ["first"]}

    assert clients.lam.update_event_source_mapping(UUID=created["UUID"], Enabled=False)["State"] == "Disabling"
    clients.state_becomes(created["UUID"], "Disabled")
    clients.running_becomes(0)  # the poller's thread has ended: nothing reads the queue now
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="while disabled")
    assert clients.waiting(queue_url) == 1

    assert clients.lam.update_event_source_mapping(UUID=created["UUID"], Enabled=True)["State"] == "Enabling"
    clients.state_becomes(created["UUID"], "Enabled")
    assert clients.reply(replies_url) == {"toy": "sqs", "bodies": ["while disabled"]}
    assert clients.pollers()["running"] == 1

    clients.lam.delete_event_source_mapping(UUID=created["UUID"])
    clients.running_becomes(0)
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="after delete")
    assert clients.waiting(queue_url) == 1


def test_an_update_restarts_the_poller_with_the_new_configuration(clients):
    function = create_function(clients.lam)
    other = create_python(clients.lam, zip_bytes=python_zip("def handler(event, context):\n    return {'other': event}\n"))
    arn, queue_url, replies_url = clients.queues(unique("source"))
    created = clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
    clients.running_becomes(1)
    clients.lam.update_event_source_mapping(UUID=created["UUID"], FunctionName=other)
    clients.state_becomes(created["UUID"], "Enabled")
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="to the other")
    assert clients.reply(replies_url) == {"other": {"toy": "sqs", "bodies": ["to the other"]}}
    assert clients.pollers()["running"] == 1


def test_a_mapping_created_disabled_does_not_poll(clients):
    function = create_function(clients.lam)
    arn, queue_url, _ = clients.queues(unique("source"))
    created = clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, Enabled=False)
    clients.state_becomes(created["UUID"], "Disabled")
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="unread")
    assert clients.pollers()["running"] == 0
    assert clients.waiting(queue_url) == 1


def test_a_poller_that_dies_is_restarted_and_logged(clients, gateway):
    function = create_function(clients.lam)
    arn, queue_url, replies_url = clients.queues(unique("source"))
    created = clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
    clients.running_becomes(1)
    restarts = clients.pollers()["restarts"]
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="crash")
    wait_until(lambda: clients.pollers()["restarts"] > restarts)
    assert "RuntimeError: the toy poller crashes on purpose" in gateway.logs()
    assert f"poller sqs:toy for mapping {created['UUID']} died; restarting it in 1 s" in gateway.logs()
    clients.sqs.send_message(QueueUrl=queue_url, MessageBody="after the crash")
    assert clients.reply(replies_url) == {"toy": "sqs", "bodies": ["after the crash"]}
    assert clients.pollers()["running"] == 1


def test_reset_stops_every_poller(clients, gateway):
    function = create_function(clients.lam)
    for _ in range(3):
        arn, _, _ = clients.queues(unique("source"))
        clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
    clients.running_becomes(3)
    requests.post(f"{gateway.url}/_gateway/reset", timeout=30).raise_for_status()
    clients.running_becomes(0)
    assert clients.lam.list_event_source_mappings()["EventSourceMappings"] == []


def test_polling_resumes_after_a_restart_with_persistence(plugin_path, tmp_path):
    env = {"PERSISTENCE": "1", "DATA_DIR": str(tmp_path / "data")}
    name = unique("source")
    with toy_gateway(plugin_path, **env) as first:
        clients = Clients(first.url)
        function = create_function(clients.lam)
        arn, queue_url, replies_url = clients.queues(name)
        created = clients.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
        clients.sqs.send_message(QueueUrl=queue_url, MessageBody="before")
        assert clients.reply(replies_url) == {"toy": "sqs", "bodies": ["before"]}
    with toy_gateway(plugin_path, **env) as second:
        clients = Clients(second.url)
        # The mapping was restored and its poller started at start-up, before any request.
        assert clients.pollers()["running"] == 1
        assert clients.lam.get_event_source_mapping(UUID=created["UUID"])["State"] == "Enabled"
        # The companion SQS keeps no state across restarts: the queues come back by name.
        _, queue_url, replies_url = clients.queues(name)
        clients.sqs.send_message(QueueUrl=queue_url, MessageBody="after")
        assert clients.reply(replies_url, timeout=40) == {"toy": "sqs", "bodies": ["after"]}
