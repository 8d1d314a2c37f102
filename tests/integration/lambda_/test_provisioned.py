"""Provisioned concurrency pre-starts environments: they run before the first
invoke, survive keep-alive expiry, serve invokes without an Init Duration, and
go away when the configuration is deleted."""

from __future__ import annotations

import base64
import json

from .conftest import client_for, create_function, environment_count, python_zip, runtime_alive, unique, wait_until


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


def _throttle(call, **kwargs) -> dict:
    from botocore.exceptions import ClientError

    try:
        call(**kwargs)
    except ClientError as error:
        return error.response
    raise AssertionError("not throttled")


def test_version_with_provisioned_concurrency_runs_while_latest_is_throttled(gateway_url):
    # test_lambda.snapshot.json, TestLambdaConcurrency::test_lambda_concurrency_block and
    # ::test_reserved_provisioned_overlap: reserved concurrency 1 (or 2), all of it provisioned
    # to version 1: $LATEST is throttled ("invoke_latest_first_exc"), version 1 runs ("invoke_v1_after_block").
    client = client_for(gateway_url)
    name = create_function(client, "python", name=unique("provisioned-block"))
    version = client.publish_version(FunctionName=name)["Version"]
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200  # before the block
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1)
    wait_until(
        lambda: client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)["Status"] == "READY",
        message="READY",
    )
    for _ in range(2):
        response = _throttle(client.invoke, FunctionName=name, Payload=b"{}")
        assert response["Error"] == {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."}
        assert (response["Reason"], response["Type"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
            "ReservedFunctionConcurrentInvocationLimitExceeded", "User", 429)
        assert "retryAfterSeconds" not in response
        ran = client.invoke(FunctionName=name, Qualifier=version, Payload=b"{}")
        assert (ran["StatusCode"], ran["ExecutedVersion"]) == (200, version)


def test_provisioned_concurrency_whose_init_fails_is_failed(gateway_url):
    """AWS: Status FAILED, StatusReason FUNCTION_ERROR_INIT_FAILURE (CloudFormation and the
    Serverless Framework quote it: "Provisioned Concurrency configuration failed to be applied.
    Reason: FUNCTION_ERROR_INIT_FAILURE", e.g. serverless/serverless#11878, aws/aws-cdk#6016)."""
    client = client_for(gateway_url)
    name = create_function(client, "python", name=unique("provisioned-init"),
                           zip_bytes=python_zip("raise Exception('init fails')\ndef handler(event, context):\n    return 1\n"))
    version = client.publish_version(FunctionName=name)["Version"]
    put = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version,
                                                    ProvisionedConcurrentExecutions=1)
    assert put["Status"] == "IN_PROGRESS"
    failed = wait_until(
        lambda: (lambda c: c if c["Status"] != "IN_PROGRESS" else None)(
            client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)),
        timeout=30, message="the config left IN_PROGRESS",
    )
    assert {k: failed[k] for k in ("Status", "StatusReason", "AllocatedProvisionedConcurrentExecutions",
                                   "AvailableProvisionedConcurrentExecutions",
                                   "RequestedProvisionedConcurrentExecutions")} == {
        "Status": "FAILED", "StatusReason": "FUNCTION_ERROR_INIT_FAILURE",
        "AllocatedProvisionedConcurrentExecutions": 0, "AvailableProvisionedConcurrentExecutions": 0,
        "RequestedProvisionedConcurrentExecutions": 1,
    }
    [listed] = client.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert (listed["Status"], listed["StatusReason"]) == ("FAILED", "FUNCTION_ERROR_INIT_FAILURE")
    # A new configuration is applied afresh (and fails again, the code being the same).
    again = client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=version,
                                                      ProvisionedConcurrentExecutions=1)
    assert again["Status"] == "IN_PROGRESS" and "StatusReason" not in again
