"""Provisioned concurrency pre-starts environments: they run before the first
invoke, survive keep-alive expiry, serve invokes without an Init Duration, and
go away when the configuration is deleted."""

from __future__ import annotations

import base64

from .conftest import client_for, create_function, runtime_processes, unique, wait_until


def test_provisioned_concurrency_prestarts_and_pins_environments(special_gateway):
    gateway = special_gateway(LAMBDA_KEEPALIVE_MS="300")
    client = client_for(gateway.url)
    name = create_function(client, "python", name=unique("provisioned"))
    version = client.publish_version(FunctionName=name)["Version"]
    before = {p.pid for p in runtime_processes(gateway)}

    client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=2
    )
    started = wait_until(lambda: len({p.pid for p in runtime_processes(gateway)} - before) >= 2 or None,
                         message="two pre-started environments")
    assert started
    wait_until(
        lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)["Status"] == "READY",
        message="READY",
    )

    pinned = {p.pid for p in runtime_processes(gateway)} - before
    response = client.invoke(FunctionName=name, Qualifier=version, Payload=b"{}", LogType="Tail")
    report = base64.b64decode(response["LogResult"]).decode()
    assert "REPORT RequestId" in report and "Init Duration" not in report

    # An ordinary environment ($LATEST) expires after the 300 ms keep-alive; the pinned ones stay.
    with_latest = {p.pid for p in runtime_processes(gateway)}
    client.invoke(FunctionName=name, Payload=b"{}")
    ordinary = {p.pid for p in runtime_processes(gateway)} - with_latest
    assert len(ordinary) == 1
    wait_until(lambda: not (ordinary & {p.pid for p in runtime_processes(gateway)}), message="keep-alive expiry")
    assert pinned <= {p.pid for p in runtime_processes(gateway)}

    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
    wait_until(lambda: not (pinned & {p.pid for p in runtime_processes(gateway)}),
               message="released environments expire")
