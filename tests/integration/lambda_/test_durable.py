"""Durable functions end to end: real Python functions using AWS's
``aws-durable-execution-sdk-python`` unmodified (bundled in their zip), a real
gateway, boto3 and the AWS CLI.

The gateway runs with ``LAMBDA_DURABLE_TIME_SCALE=0.00001``: a one-day wait
lasts 0.86 s, a 60 s retry delay 0.6 ms. Event names and details follow AWS's
conformance requirements (aws-durable-execution-conformance-tests, e.g. 1.1,
1.12, 2.1, 4.1) and botocore's ``Event`` shape; behaviour follows AWS's
developer guide ("Invoking durable Lambda functions", "Configure Lambda
durable functions", "Idempotency").
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from providers.lambda_.executors import nodes, pythons
from tests.support.durable_sdk import sdk_files

from .conftest import ROLE, client_for, make_zip, source, unique, wait_active, wait_until, wait_updated

SCALE = "0.00001"
#: The test functions' ExecutionTimeout: their one-day waits end before it (a wait that would end
#: after it times the execution out, as on AWS, even when the scale shortens the wait).
LONGER_THAN_A_DAY = 2 * 86400


@pytest.fixture(scope="module")
def durable_zip() -> bytes:
    files = sdk_files()
    if files is None:
        pytest.skip("aws-durable-execution-sdk-python could not be downloaded from PyPI")
    return make_zip({"index.py": source("durable_handlers.py"), **files})


@pytest.fixture(scope="module")
def durable_gateway(special_gateway):
    return special_gateway(LAMBDA_DURABLE_TIME_SCALE=SCALE)


@pytest.fixture(scope="module")
def lam(durable_gateway) -> Any:
    return client_for(durable_gateway.url)


@pytest.fixture(scope="module")
def fn(lam, durable_zip):
    """``fn("approval")``: the module's function running that handler (created once,
    so its environments stay warm across tests)."""
    created: dict[str, str] = {}

    def get(handler: str) -> str:
        if handler not in created:
            created[handler] = durable_function(lam, durable_zip, handler)
        return created[handler]

    return get


def durable_function(client: Any, zip_bytes: bytes, handler: str, **config: Any) -> str:
    name = unique("durable")
    client.create_function(FunctionName=name, Runtime="python3.13", Role=ROLE, Handler=f"index.{handler}",
                           Code={"ZipFile": zip_bytes}, Timeout=30,
                           DurableConfig={"ExecutionTimeout": LONGER_THAN_A_DAY, **config})
    wait_active(client, name)
    return name


def events(client: Any, arn: str) -> list[dict]:
    return client.get_durable_execution_history(DurableExecutionArn=arn)["Events"]


def event_types(client: Any, arn: str) -> list[str]:
    return [event["EventType"] for event in events(client, arn)]


def ended(client: Any, arn: str, timeout: float = 60) -> dict:
    return wait_until(lambda: (lambda found: found if found["Status"] != "RUNNING" else None)(
        client.get_durable_execution(DurableExecutionArn=arn)), timeout=timeout, interval=0.05,
        message=f"{arn} ended")


def start_async(client: Any, name: str, event: Any, **kwargs: Any) -> str:
    kwargs.setdefault("Qualifier", "$LATEST")  # AWS invokes a durable function only qualified
    response = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event), **kwargs)
    assert response["StatusCode"] == 202
    return response["DurableExecutionArn"]


def callback_id(client: Any, arn: str) -> str:
    started = wait_until(lambda: [e for e in events(client, arn) if e["EventType"] == "CallbackStarted"],
                         timeout=60, message="CallbackStarted")
    return started[0]["CallbackStartedDetails"]["CallbackId"]


def error_code(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"]


# Configuration ------------------------------------------------------------------------------------
def test_durable_config_is_validated_and_defaulted(lam, durable_zip):
    name = durable_function(lam, durable_zip, "steps_and_wait")
    config = lam.get_function_configuration(FunctionName=name)["DurableConfig"]
    assert config == {"ExecutionTimeout": LONGER_THAN_A_DAY, "RetentionPeriodInDays": 14}
    lam.update_function_configuration(FunctionName=name, DurableConfig={"RetentionPeriodInDays": 30})
    config = lam.get_function_configuration(FunctionName=name)["DurableConfig"]
    assert config == {"ExecutionTimeout": LONGER_THAN_A_DAY, "RetentionPeriodInDays": 30}
    # ExecutionTimeout is required; durable execution can only be enabled at creation.
    with pytest.raises(ClientError) as caught:
        lam.create_function(FunctionName=unique("durable"), Runtime="python3.13", Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": durable_zip}, DurableConfig={"RetentionPeriodInDays": 3})
    assert caught.value.response["Error"] == {  # the service's words (aws/aws-lambda-dotnet#2453)
        "Code": "InvalidParameterValueException",
        "Message": "You cannot create a function with a durable configuration without an executionTimeout"}
    plain = unique("plain")
    lam.create_function(FunctionName=plain, Runtime="python3.13", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": durable_zip})
    wait_active(lam, plain)
    assert error_code(lambda: lam.update_function_configuration(
        FunctionName=plain, DurableConfig={"ExecutionTimeout": 60})) == "InvalidParameterValueException"


# Steps and waits ------------------------------------------------------------------------------------
def test_steps_and_a_day_long_wait_run_synchronously(lam, fn):
    name = fn("steps_and_wait")
    started = time.monotonic()
    response = lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=json.dumps({"name": "Ada"}))
    assert time.monotonic() - started < 30  # a day at LAMBDA_DURABLE_TIME_SCALE
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"greeting": "Hello, Ada!", "shout": "HELLO, ADA!"}
    arn = response["DurableExecutionArn"]
    assert arn.startswith(f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST/durable-execution/")

    history = events(lam, arn)
    assert [e["EventType"] for e in history] == [
        "ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted", "InvocationCompleted",
        "WaitSucceeded", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    assert [e["EventId"] for e in history] == list(range(1, 11))
    started_event, step, wait = history[0], history[2], history[3]
    assert json.loads(started_event["ExecutionStartedDetails"]["Input"]["Payload"]) == {"name": "Ada"}
    assert started_event["ExecutionStartedDetails"]["ExecutionTimeout"] == LONGER_THAN_A_DAY
    assert step["SubType"] == "Step" and step["StepSucceededDetails"]["Result"]["Payload"] == '"Hello, Ada!"'
    assert step["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 1}
    assert wait["Name"] == "a-day" and wait["WaitStartedDetails"]["Duration"] == 86400
    assert history[5]["WaitSucceededDetails"] == {"Duration": 86400} and history[5]["Id"] == wait["Id"]
    assert set(history[4]["InvocationCompletedDetails"]) == {"StartTimestamp", "EndTimestamp", "RequestId"}

    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED" and execution["Version"] == "$LATEST"
    assert json.loads(execution["Result"]) == {"greeting": "Hello, Ada!", "shout": "HELLO, ADA!"}
    assert execution["FunctionArn"].endswith(f"function:{name}:$LATEST")
    compact = lam.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert compact["ExecutionDataIncluded"] is False and "InputPayload" not in compact and "Result" not in compact
    without = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)["Events"]
    assert "Result" not in without[2]["StepSucceededDetails"]
    paged = lam.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=4, ReverseOrder=True)
    assert [e["EventId"] for e in paged["Events"]] == [10, 9, 8, 7] and paged["NextMarker"]


def test_a_published_version_runs_its_own_code(lam, durable_zip):
    name = durable_function(lam, durable_zip, "steps_and_wait")
    version = lam.publish_version(FunctionName=name)["Version"]
    response = lam.invoke(FunctionName=name, Qualifier=version, Payload=b'{"name": "V"}')
    assert response["ExecutedVersion"] == version
    assert f"function:{name}:{version}/durable-execution/" in response["DurableExecutionArn"]


UNQUALIFIED = "You cannot invoke a durable function using an unqualified ARN."


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], {**response["Error"], "Type": response.get("Type")}


def test_a_durable_function_is_invoked_only_qualified(lam, fn, sqs, durable_gateway, durable_zip):
    """AWS: "You must invoke durable functions using a version number, alias, or $LATEST"
    (Invoking durable Lambda functions, Qualified ARNs requirement), whatever invokes it."""
    name = durable_function(lam, durable_zip, "many_steps")  # its own: the test lists its executions
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    refused = (400, {"Code": "InvalidParameterValueException", "Message": UNQUALIFIED, "Type": "User"})
    for function_name in (name, arn):
        for invocation_type in ("RequestResponse", "Event", "DryRun"):
            assert refusal(lambda: lam.invoke(FunctionName=function_name, InvocationType=invocation_type,
                                              Payload=b'{"steps": 1}')) == refused
    assert refusal(lambda: lam.invoke_async(FunctionName=name, InvokeArgs=b"{}")) == refused
    assert refusal(lambda: lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}")) == refused
    assert lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"] == []
    # Qualified in the name, the ARN or the Qualifier parameter: accepted.
    assert lam.invoke(FunctionName=f"{name}:$LATEST", InvocationType="DryRun")["StatusCode"] == 204
    assert lam.invoke(FunctionName=f"{arn}:$LATEST", Payload=b'{"steps": 1}')["StatusCode"] == 200

    # An event source mapping names a version or an alias ("Event source mappings with durable functions").
    queue = unique("durable-esm")
    sqs.create_queue(QueueName=queue)
    queue_arn = f"arn:aws:sqs:us-east-1:000000000000:{queue}"
    assert refusal(lambda: lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn))[1][
        "Message"] == UNQUALIFIED
    mapping = lam.create_event_source_mapping(FunctionName=f"{name}:$LATEST", EventSourceArn=queue_arn,
                                              Enabled=False)
    assert mapping["FunctionArn"] == f"{arn}:$LATEST"
    assert refusal(lambda: lam.update_event_source_mapping(UUID=mapping["UUID"], FunctionName=name))[1][
        "Message"] == UNQUALIFIED
    lam.delete_event_source_mapping(UUID=mapping["UUID"])

    # A function URL without a qualifier invokes the unqualified function: AWS's error, as the URL answers errors.
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{durable_gateway.url}/_aws/lambda-url/{url_id}/", timeout=60)
    assert caught.value.code == 400 and json.loads(caught.value.read()) == {"Message": UNQUALIFIED}
    assert caught.value.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"

    # A chained invoke of a durable function by its unqualified name fails the operation.
    response = lam.invoke(FunctionName=fn("chain"), Qualifier="$LATEST", Payload=json.dumps({"target": name}))
    assert response["FunctionError"] == "Unhandled"
    failed = [e for e in events(lam, response["DurableExecutionArn"]) if e["EventType"] == "ChainedInvokeFailed"]
    error = failed[0]["ChainedInvokeFailedDetails"]["Error"]["Payload"]
    assert error == {"ErrorType": "InvalidParameterValueException", "ErrorMessage": UNQUALIFIED}


def test_durable_configuration_needs_a_runtime_that_supports_it(lam, durable_zip):
    """Supported runtimes for durable functions (specs/runtimes/durable.json); the
    service's words as quoted in aws/aws-lambda-dotnet#2418."""
    unsupported = {"Code": "InvalidParameterValueException",
                   "Message": "You cannot use a managed runtime that does not support a durable configuration",
                   "Type": "User"}
    for runtime in ("python3.12", "nodejs20.x"):
        assert refusal(lambda: lam.create_function(
            FunctionName=unique("durable"), Runtime=runtime, Role=ROLE, Handler="index.handler",
            Code={"ZipFile": durable_zip}, DurableConfig={"ExecutionTimeout": 60})) == (400, unsupported)
    name = durable_function(lam, durable_zip, "steps_and_wait")
    assert refusal(lambda: lam.update_function_configuration(FunctionName=name, Runtime="python3.12")) == (
        400, unsupported)
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.13"
    lam.update_function_configuration(FunctionName=name, Runtime="nodejs22.x", Handler="index.handler")
    wait_updated(lam, name)


@pytest.mark.parametrize("runtime", ["python3.13", "python3.14"])
def test_the_python_runtime_carries_the_durable_sdk(lam, runtime):
    """"Lambda Node.js and Python runtimes include the durable execution SDK" (Supported
    runtimes for durable functions): a function with only its own code uses it; a copy
    bundled in the code comes first, as /var/task does on AWS."""
    version = runtime[len("python"):]
    if not (pythons.find_interpreter(version) and pythons.has_durable_sdk(version)):
        pytest.skip(f"no CPython {version} with the durable SDK in its runtime here (`make install` installs it "
                    f"for every CPython it finds; {pythons.INTERPRETERS_VARIABLE} names one)")
    code = ("import os\n"
            "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n"
            "import aws_durable_execution_sdk_python as sdk\n"
            "@durable_execution\n"
            "def handler(event, context: DurableContext):\n"
            "    doubled = context.step(lambda _: event['n'] * 2, name='double')\n"
            "    return {'sdk': sdk.__file__, 'task': os.environ['LAMBDA_TASK_ROOT'], 'step': doubled}\n")
    for bundled in ({}, sdk_files() or {}):
        name = unique("durable")
        lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler="index.handler",
                            Code={"ZipFile": make_zip({"index.py": code, **bundled})}, Timeout=30,
                            DurableConfig={"ExecutionTimeout": 60})
        wait_active(lam, name)
        response = lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b'{"n": 21}')
        answer = json.loads(response["Payload"].read())
        assert answer["step"] == 42 and "FunctionError" not in response, answer
        assert answer["sdk"].startswith(answer["task"] + "/") == bool(bundled), answer


@pytest.mark.parametrize("file, code", [
    ("index.mjs", 'import { withDurableExecution } from "@aws/durable-execution-sdk-js";\n'
                  "export const handler = withDurableExecution(async (event, context) =>\n"
                  '  ({ step: await context.step("double", async () => event.n * 2),\n'
                  "     path: process.env.NODE_PATH }));\n"),
    ("index.js", 'const { withDurableExecution } = require("@aws/durable-execution-sdk-js");\n'
                 "exports.handler = withDurableExecution(async (event, context) =>\n"
                 '  ({ step: await context.step("double", async () => event.n * 2),\n'
                 "     path: process.env.NODE_PATH }));\n"),
])
def test_the_nodejs_runtime_carries_the_durable_sdk(lam, file, code):
    """The same for nodejs22.x: an ES module import and a require of the SDK the function does
    not bundle; the NODE_PATH the function sees is AWS's."""
    if not nodes.has_durable_sdk():
        pytest.skip("@aws/durable-execution-sdk-js is not installed in the Node.js runtimes: run `make install`")
    name = unique("durable")
    lam.create_function(FunctionName=name, Runtime="nodejs22.x", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": make_zip({file: code})}, Timeout=30, DurableConfig={"ExecutionTimeout": 60})
    wait_active(lam, name)
    response = lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b'{"n": 21}')
    answer = json.loads(response["Payload"].read())
    assert "FunctionError" not in response and answer["step"] == 42, answer
    assert "/durable/node_modules" not in answer["path"], answer


def test_other_ways_in_start_executions_too(lam, fn, durable_gateway):
    """InvokeAsync and a function URL reach the function through the backend: each
    starts a durable execution ("invoke durable functions synchronously,
    asynchronously, or through event source mappings", Invoking durable Lambda functions)."""
    name = fn("many_steps")
    lam.invoke_async(FunctionName=f"{name}:$LATEST", InvokeArgs=json.dumps({"steps": 2}).encode())
    wait_until(lambda: any(e["Status"] == "SUCCEEDED" for e in lam.list_durable_executions_by_function(
        FunctionName=name)["DurableExecutions"]), timeout=60, message="InvokeAsync's execution")
    # A function URL names an alias (its qualifier cannot be $LATEST), as a durable function needs.
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=lam.publish_version(FunctionName=name)["Version"])
    url = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    request = urllib.request.Request(f"{durable_gateway.url}/_aws/lambda-url/{url_id}/", method="GET")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    executions = lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    assert len(executions) == 2
    url_execution = lam.get_durable_execution(DurableExecutionArn=executions[0]["DurableExecutionArn"])
    assert json.loads(url_execution["InputPayload"])["requestContext"]["http"]["method"] == "GET"


def test_throttled_replays_wait_for_a_free_slot(lam, durable_zip):
    """With reserved concurrency 1, executions started together take turns: a
    throttled invocation waits and runs, it is not a failed one."""
    name = durable_function(lam, durable_zip, "flaky")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    arns = [start_async(lam, name, {"max_attempts": 3, "succeed_on": 2}) for _ in range(3)]
    for arn in arns:
        execution = ended(lam, arn)
        assert execution["Status"] == "SUCCEEDED" and json.loads(execution["Result"]) == 2
        completed = [e for e in events(lam, arn) if e["EventType"] == "InvocationCompleted"]
        assert all("Error" not in e["InvocationCompletedDetails"] for e in completed)


# Retries and failures -----------------------------------------------------------------------------
def test_a_step_retried_until_it_succeeds(lam, fn):
    name = fn("flaky")
    response = lam.invoke(FunctionName=name, Qualifier="$LATEST",
                          Payload=json.dumps({"max_attempts": 5, "succeed_on": 3}))
    assert json.loads(response["Payload"].read()) == 3
    history = events(lam, response["DurableExecutionArn"])
    failed = [e for e in history if e["EventType"] == "StepFailed"]
    assert [e["StepFailedDetails"]["RetryDetails"] for e in failed] == [
        {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 60}, {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 120}]
    assert failed[0]["StepFailedDetails"]["Error"]["Payload"]["ErrorType"] == "ValueError"
    succeeded = [e for e in history if e["EventType"] == "StepSucceeded"]
    assert succeeded[0]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}
    assert event_types(lam, response["DurableExecutionArn"]).count("InvocationCompleted") == 3


def test_retries_exhausted_fail_the_execution(lam, fn):
    name = fn("flaky")
    response = lam.invoke(FunctionName=name, Qualifier="$LATEST",
                          Payload=json.dumps({"max_attempts": 2, "succeed_on": 9}))
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Payload"].read())
    assert "attempt 2 failed" in body["errorMessage"]
    arn = response["DurableExecutionArn"]
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "FAILED" and "attempt 2 failed" in execution["Error"]["ErrorMessage"]
    history = events(lam, arn)
    assert history[-1]["EventType"] == "ExecutionFailed"
    assert "attempt 2 failed" in history[-1]["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorMessage"]
    last_step = [e for e in history if e["EventType"] == "StepFailed"][-1]
    assert last_step["StepFailedDetails"]["RetryDetails"] == {"CurrentAttempt": 2}


# Callbacks -----------------------------------------------------------------------------------------
def test_callback_completed_with_boto3(lam, fn):
    name = fn("approval")
    arn = start_async(lam, name, {})
    token = callback_id(lam, arn)
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_heartbeat(CallbackId=token)
    # Over the model's 1 MB Result: refused, and the callback stays open.
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId=token, Result=b'"' + b"x" * 1048576 + b'"')) == "ValidationException"
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lam.send_durable_execution_callback_success(CallbackId=token, Result=json.dumps("approved").encode())
    execution = ended(lam, arn)
    assert execution["Status"] == "SUCCEEDED" and json.loads(execution["Result"]) == {"decision": '"approved"'}
    succeeded = [e for e in events(lam, arn) if e["EventType"] == "CallbackSucceeded"][0]
    assert succeeded["CallbackSucceededDetails"]["Result"]["Payload"] == '"approved"'
    assert succeeded["Name"] == "approval" and succeeded["SubType"] == "Callback"
    # The callback is closed now; an id never issued is unknown.
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId=token, Result=b'"again"')) == "CallbackTimeoutException"
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId="bm90LWEtY2FsbGJhY2s=", Result=b"1")) == "ResourceNotFoundException"


def test_callback_completed_with_the_aws_cli(lam, fn, durable_gateway, cli_env):
    name = fn("approval")
    arn = start_async(lam, name, {})
    token = callback_id(lam, arn)
    env = dict(cli_env, AWS_ENDPOINT_URL=durable_gateway.url)
    completed = subprocess.run(
        ["aws", "lambda", "send-durable-execution-callback-success", "--callback-id", token,
         "--result", '{"by": "cli"}'], env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    execution = ended(lam, arn)
    assert json.loads(execution["Result"]) == {"decision": '{"by": "cli"}'}


def test_callback_failure_fails_the_execution(lam, fn):
    name = fn("approval")
    arn = start_async(lam, name, {})
    token = callback_id(lam, arn)
    lam.send_durable_execution_callback_failure(CallbackId=token, Error={"ErrorType": "Rejected",
                                                                         "ErrorMessage": "no way"})
    execution = ended(lam, arn)
    assert execution["Status"] == "FAILED"
    failed = [e for e in events(lam, arn) if e["EventType"] == "CallbackFailed"][0]
    assert failed["CallbackFailedDetails"]["Error"]["Payload"] == {"ErrorType": "Rejected", "ErrorMessage": "no way"}


def test_callback_timeout(lam, fn):
    name = fn("approval")
    arn = start_async(lam, name, {"timeout": 100000})  # one second at the gateway's time scale
    token = callback_id(lam, arn)
    execution = ended(lam, arn)
    assert execution["Status"] == "FAILED"
    timed_out = [e for e in events(lam, arn) if e["EventType"] == "CallbackTimedOut"][0]
    assert timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId=token, Result=b"1")) == "CallbackTimeoutException"


def test_pause_and_resume(lam, fn):
    """While paused "Lambda doesn't invoke your function, but pending operations such
    as waits and callbacks continue to complete" (PauseDurableExecution)."""
    name = fn("approval")
    arn = start_async(lam, name, {})
    token = callback_id(lam, arn)
    wait_until(lambda: "InvocationCompleted" in event_types(lam, arn), timeout=60, message="suspended")
    assert error_code(lambda: lam.resume_durable_execution(DurableExecutionArn=arn)) == "ResourceConflictException"
    lam.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    paused = lam.get_durable_execution(DurableExecutionArn=arn)
    assert paused["Status"] == "PAUSED" and paused["PauseDetails"]["Reason"] == "maintenance"
    lam.send_durable_execution_callback_success(CallbackId=token, Result=b'"ok"')
    assert event_types(lam, arn)[-2:] == ["ExecutionPaused", "CallbackSucceeded"]
    assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "PAUSED"
    lam.resume_durable_execution(DurableExecutionArn=arn)
    assert ended(lam, arn)["Status"] == "SUCCEEDED"
    assert "ExecutionResumed" in event_types(lam, arn)
    assert error_code(lambda: lam.pause_durable_execution(DurableExecutionArn=arn)) == "ResourceConflictException"


# Stop, list, names ----------------------------------------------------------------------------------
def test_stop_list_and_execution_names(lam, durable_zip):
    name = durable_function(lam, durable_zip, "approval")  # its own: the test lists its executions
    arn = start_async(lam, name, {"n": 1}, DurableExecutionName="order-1")
    assert arn.split("/")[-2] == "order-1"
    # The same name and input: the same execution; another input: AWS's conflict.
    assert start_async(lam, name, {"n": 1}, DurableExecutionName="order-1") == arn
    refused = error_code(lambda: lam.invoke(FunctionName=name, Qualifier="$LATEST", InvocationType="Event",
                                            Payload=b'{"n": 2}', DurableExecutionName="order-1"))
    assert refused == "DurableExecutionAlreadyStartedException"
    other = start_async(lam, name, {"n": 3})
    token = callback_id(lam, arn)
    callback_id(lam, other)

    listed = lam.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    assert {e["DurableExecutionArn"] for e in listed} == {arn, other}
    assert all(e["Status"] == "RUNNING" for e in listed)
    named = lam.list_durable_executions_by_function(FunctionName=name, DurableExecutionName="order-1")
    assert [e["DurableExecutionArn"] for e in named["DurableExecutions"]] == [arn]
    assert error_code(lambda: lam.delete_durable_execution(DurableExecutionArn=arn)) == "ResourceConflictException"

    stopped = lam.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorMessage": "enough"})
    assert stopped["StopTimestamp"]
    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "STOPPED" and execution["EndTimestamp"]
    last = events(lam, arn)[-1]
    assert last["EventType"] == "ExecutionStopped"
    assert last["ExecutionStoppedDetails"]["Error"]["Payload"] == {"ErrorMessage": "enough"}
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId=token, Result=b"1")) == "CallbackTimeoutException"
    running = lam.list_durable_executions_by_function(FunctionName=name, Statuses=["RUNNING"])
    assert [e["DurableExecutionArn"] for e in running["DurableExecutions"]] == [other]
    lam.stop_durable_execution(DurableExecutionArn=other)

    lam.delete_durable_execution(DurableExecutionArn=arn)
    assert error_code(lambda: lam.get_durable_execution(DurableExecutionArn=arn)) == "ResourceNotFoundException"
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert error_code(lambda: lam.stop_durable_execution(DurableExecutionArn=missing)) == "ResourceNotFoundException"
    assert error_code(lambda: lam.list_durable_executions_by_function(
        FunctionName=unique("nothing"))) == "ResourceNotFoundException"


# Chained invokes -------------------------------------------------------------------------------------
def test_chained_invokes_of_plain_and_durable_functions(lam, fn):
    plain = unique("plain")
    lam.create_function(FunctionName=plain, Runtime="python3.13", Role=ROLE, Handler="index.handler",
                        Code={"ZipFile": make_zip({"index.py": "def handler(event, context):\n"
                                                               "    return {'echo': event}\n"})})
    wait_active(lam, plain)
    callee = fn("steps_and_wait")
    caller = fn("chain")

    response = lam.invoke(FunctionName=caller, Qualifier="$LATEST", Payload=json.dumps({"target": plain}))
    assert json.loads(response["Payload"].read()) == {"chained": {"echo": {"from": "chain"}}}
    started = [e for e in events(lam, response["DurableExecutionArn"]) if e["EventType"] == "ChainedInvokeStarted"]
    assert started[0]["ChainedInvokeStartedDetails"]["FunctionName"] == plain

    response = lam.invoke(FunctionName=caller, Qualifier="$LATEST", Payload=json.dumps({"target": f"{callee}:$LATEST"}))
    assert json.loads(response["Payload"].read()) == {"chained": {"greeting": "Hello, World!",
                                                                  "shout": "HELLO, WORLD!"}}
    history = events(lam, response["DurableExecutionArn"])
    details = [e for e in history if e["EventType"] == "ChainedInvokeStarted"][0]["ChainedInvokeStartedDetails"]
    assert details["ExecutedVersion"] == "$LATEST"
    assert lam.get_durable_execution(DurableExecutionArn=details["DurableExecutionArn"])["Status"] == "SUCCEEDED"
    assert "ChainedInvokeSucceeded" in [e["EventType"] for e in history]


# Bad input ----------------------------------------------------------------------------------------------
def test_bad_tokens_and_updates_leave_the_execution_untouched(lam, fn):
    name = fn("raw_protocol")
    response = lam.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b'{"raw": true}')
    found = json.loads(response["Payload"].read())
    assert found["input_keys"] == ["CheckpointToken", "DurableExecutionArn", "InitialExecutionState",
                                   "UpdatedOperationIds"]
    assert found["operations"] == ["EXECUTION"]
    assert found["first_changed"] == ["s1"]
    for case in ("stale", "forged", "bad_action", "completed_again", "state_forged", "other_execution"):
        assert found[case]["error"] == "InvalidParameterValueException", (case, found[case])
    # The SDK retries the invocation on exactly this message (aws-durable-execution-sdk-python 3.0.0).
    assert found["stale"]["message"] == found["forged"]["message"] == "Invalid checkpoint token"
    assert found["after_bad"] == [found["after_bad"][0], "s1"]  # the EXECUTION operation, then s1: no w1
    # A completed context's children are not sent for replay (GetDurableExecutionState's documentation).
    assert found["after_context"] == [found["after_bad"][0], "s1", "c1"]
    arn = response["DurableExecutionArn"]
    assert event_types(lam, arn) == ["ExecutionStarted", "StepStarted", "StepSucceeded", "ContextStarted",
                                     "StepStarted", "StepSucceeded", "ContextSucceeded", "InvocationCompleted",
                                     "ExecutionSucceeded"]
    # Outside an invocation no token is valid.
    assert error_code(lambda: lam.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken="AAAA", Updates=[])) == "InvalidParameterValueException"
    assert error_code(lambda: lam.send_durable_execution_callback_success(
        CallbackId="not base64!", Result=b"1")) == "ValidationException"  # the model's pattern


# How executions end: the dead-letter queue, a paused timeout --------------------------------------
# An execution an Event invoke started that ends FAILED, STOPPED or TIMED_OUT sends "the original
# triggering event to the DLQ" (AWS's best practices for durable functions); a pause with
# ExecutionTimeoutPaused (true by default) "extends the execution timeout by the time the execution
# spends paused" (PauseDurableExecution). Execution timeouts are real time, whatever the scale.
@pytest.fixture(scope="module")
def sqs(durable_gateway) -> Any:
    return client_for(durable_gateway.url, "sqs")


def status_of(lam, arn: str) -> str:
    return lam.get_durable_execution(DurableExecutionArn=arn)["Status"]


def with_dead_letter_queue(lam, name: str, queue_arn: str) -> str:
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queue_arn})
    wait_updated(lam, name)
    return name


def test_failed_stopped_and_timed_out_event_executions_send_their_event_to_the_dlq(lam, sqs, durable_zip):
    queue = unique("durable-dlq")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    queue_arn = f"arn:aws:sqs:us-east-1:000000000000:{queue}"
    flaky = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "flaky"), queue_arn)
    approval = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "approval"), queue_arn)
    brief = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "approval", ExecutionTimeout=1), queue_arn)

    # Not dead-lettered: a synchronous invoke's failure (the caller has it), an Event execution that succeeds.
    response = lam.invoke(FunctionName=flaky, Qualifier="$LATEST",
                          Payload=json.dumps({"max_attempts": 1, "succeed_on": 9, "n": 0}))
    assert response["FunctionError"] == "Unhandled"
    assert ended(lam, start_async(lam, flaky, {"max_attempts": 1, "succeed_on": 1}))["Status"] == "SUCCEEDED"

    sent: dict[str, tuple[dict, str]] = {}  # request id -> (event, status)
    for function, event, status in ((flaky, {"max_attempts": 1, "succeed_on": 9, "n": 1}, "FAILED"),
                                    (approval, {"n": 2}, "STOPPED"), (brief, {"n": 3}, "TIMED_OUT")):
        response = lam.invoke(FunctionName=function, Qualifier="$LATEST", InvocationType="Event",
                              Payload=json.dumps(event))
        sent[response["ResponseMetadata"]["RequestId"]] = (event, status)
        arn = response["DurableExecutionArn"]
        if status == "STOPPED":
            callback_id(lam, arn)
            lam.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorMessage": "enough"})
        assert ended(lam, arn)["Status"] == status

    messages: list[dict] = []
    deadline = time.monotonic() + 30
    while len(messages) < len(sent):
        assert time.monotonic() < deadline, f"{len(messages)} of {len(sent)} dead letters"
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           MessageAttributeNames=["All"]).get("Messages", []):
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages"), "only the three"
    messages_by_status = {}
    for message in messages:
        attributes = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
        event, status = sent[attributes["RequestID"]]  # the Event invoke's request id
        assert json.loads(message["Body"]) == event  # "the original triggering event"
        assert attributes["ErrorCode"] == "200"
        messages_by_status[status] = attributes["ErrorMessage"]
    assert "attempt 1 failed" in messages_by_status["FAILED"]
    assert messages_by_status["STOPPED"] == "enough"
    assert messages_by_status["TIMED_OUT"]


def test_a_pause_with_its_timeout_paused_moves_the_timeout_on(lam, durable_zip):
    name = durable_function(lam, durable_zip, "approval", ExecutionTimeout=6)
    held = start_async(lam, name, {"n": 1})
    clock = start_async(lam, name, {"n": 2})  # starts after held: its timeout falls after held's
    for arn in (held, clock):
        callback_id(lam, arn)
        wait_until(lambda arn=arn: "InvocationCompleted" in event_types(lam, arn), timeout=30, message="suspended")
    lam.pause_durable_execution(DurableExecutionArn=held, Reason="deploying")  # ExecutionTimeoutPaused: true
    paused_at = time.time()
    lam.pause_durable_execution(DurableExecutionArn=clock, ExecutionTimeoutPaused=False)
    assert lam.get_durable_execution(DurableExecutionArn=held)["PauseDetails"]["ExecutionTimeoutPaused"] is True
    paused = [e for e in events(lam, held) if e["EventType"] == "ExecutionPaused"][0]["ExecutionPausedDetails"]
    assert paused["ExecutionTimeoutPaused"] is True and paused["Reason"]["Payload"] == "deploying"

    # The clock's timeout runs while it is paused; held's is stopped.
    wait_until(lambda: status_of(lam, clock) == "TIMED_OUT", timeout=30,
               interval=0.05, message="the clock timed out")
    assert status_of(lam, held) == "PAUSED"

    resumed_at = time.time()
    lam.resume_durable_execution(DurableExecutionArn=held, Reason="deployed")
    resumed = [e for e in events(lam, held) if e["EventType"] == "ExecutionResumed"][0]["ExecutionResumedDetails"]
    assert resumed["Reason"]["Payload"] == "deployed" and resumed["ResumeRequestTimestamp"]
    running = lam.get_durable_execution(DurableExecutionArn=held)
    start = running["StartTimestamp"].timestamp()
    moved_on = running["ExpectedExecutionTimeoutTimestamp"].timestamp() - (start + 6)
    assert moved_on >= resumed_at - paused_at - 0.5, moved_on
    finished = ended(lam, held, timeout=30)
    assert finished["Status"] == "TIMED_OUT"
    assert finished["EndTimestamp"].timestamp() - start >= 6 + resumed_at - paused_at - 0.5


def test_a_wait_longer_than_the_time_left_times_the_execution_out(lam, durable_zip):
    """On AWS the execution times out while it waits; the scale shortens the wait, not that
    outcome: a day's wait in a one-hour execution ends TIMED_OUT (after 0.036 s at this scale)."""
    name = durable_function(lam, durable_zip, "steps_and_wait", ExecutionTimeout=3600)
    arn = start_async(lam, name, {"name": "Late"})
    finished = ended(lam, arn)
    assert finished["Status"] == "TIMED_OUT", finished
    assert event_types(lam, arn)[-4:] == ["StepSucceeded", "WaitStarted", "InvocationCompleted",
                                          "ExecutionTimedOut"]
