"""Provisioned concurrency pre-starts environments: they run before the first
invoke, survive keep-alive expiry, serve invokes without an Init Duration, and
go away when the configuration is deleted."""

from __future__ import annotations

import base64
import json

from .conftest import client_for, create_function, environment_count, runtime_alive, unique, wait_until


def test_provisioned_concurrency_prestarts_and_pins_environments(special_gateway):
    gateway = special_gateway(LAMBDA_KEEPALIVE_MS="300")
    client = client_for(gateway.url)
    name = create_function(client, "python", name=unique("provisioned"))
    version = client.publish_version(FunctionName=name)["Version"]
    before = environment_count(gateway)

    client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=2
    )
    wait_until(lambda: environment_count(gateway) == before + 2, message="two pre-started environments")
    wait_until(
        lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)["Status"] == "READY",
        message="READY",
    )
    response = client.invoke(FunctionName=name, Qualifier=version, Payload=b"{}", LogType="Tail")
    report = base64.b64decode(response["LogResult"]).decode()
    assert "REPORT RequestId" in report and "Init Duration" not in report
    assert environment_count(gateway) == before + 2, "served by a pinned environment"

    # An ordinary environment ($LATEST) expires after the 300 ms keep-alive; the pinned ones stay.
    ordinary = json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())["process"]
    wait_until(lambda: not runtime_alive(gateway, ordinary), message="keep-alive expiry")
    assert environment_count(gateway) == before + 2

    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    wait_until(lambda: environment_count(gateway) == before, message="released environments expire")
