"""External and internal extensions and the Telemetry API, with real extension
processes shipped in a layer (``functions/extensions/``: a bash + curl one and
a Python Telemetry API subscriber), under the default executor and the
process executor.

AWS's behaviour as its pages describe it ("Using the Lambda Extensions API to
create extensions", "Lambda Telemetry API", "Telemetry API Event schema
reference"); error types and texts as AWS's runtime interface emulator answers.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from .conftest import (FUNCTIONS, client_for, create_function, invoke_json, make_zip, python_zip, unique,
                       wait_until)

EXTENSIONS = FUNCTIONS / "extensions"

# Reads back what the extensions kept in /tmp, and asks the Extensions API what a
# function's own process may not do.
FUNCTION = r'''
import json, os, tempfile, urllib.error, urllib.request

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"]
TMP = tempfile.gettempdir()  # /tmp, or the process executor's own TMPDIR


def lines(path):
    try:
        with open(path) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


def read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def call(method, path, body, headers):
    request = urllib.request.Request(API + path, method=method, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return [response.status, json.loads(response.read())]
    except urllib.error.HTTPError as error:
        return [error.code, json.loads(error.read())]


def handler(event, context):
    print("hello from the function")
    answer = {"register": read(TMP + "/shell-extension/register.json"),
              "shell_events": lines(TMP + "/shell-extension/events.jsonl"),
              "internal_events": lines(TMP + "/internal-extension.jsonl"),
              "telemetry": lines(TMP + "/telemetry.jsonl"),
              "refused": read(TMP + "/telemetry-refused.json"),
              "request_id": context.aws_request_id}
    if event.get("probe"):
        answer["late_internal"] = call("POST", "/2020-01-01/extension/register", {"events": ["INVOKE"]},
                                       {"Lambda-Extension-Name": "late"})
        answer["no_name"] = call("POST", "/2020-01-01/extension/register", {"events": ["INVOKE"]}, {})
        answer["unknown_id"] = call("PUT", "/2022-07-01/telemetry", {}, {"Lambda-Extension-Identifier": "nope"})
    try:
        with open(TMP + "/shell-extension/environment") as handle:
            answer["extension_variables"] = sorted(line.split("=", 1)[0] for line in handle if "=" in line)
    except FileNotFoundError:
        pass
    return answer
'''

# An internal extension: started by the runtime's process through AWS_LAMBDA_EXEC_WRAPPER,
# registered (INVOKE only) before the runtime starts, then answering its events in the background.
WRAPPER = r'''#!/bin/bash
api="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
refused="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$api/register" -H "Lambda-Extension-Name: internal-shutdown" \
  -d '{"events": ["SHUTDOWN"]}')"
id="$(curl -sS -D - -o /dev/null -X POST "$api/register" -H "Lambda-Extension-Name: internal-extension" \
  -d '{"events": ["INVOKE"]}' | grep -Fi Lambda-Extension-Identifier | tr -d '[:space:]' | cut -d: -f2)"
(
  while true; do
    event="$(curl -sS "$api/event/next" -H "Lambda-Extension-Identifier: $id")" || exit 0
    echo "{\"refused_shutdown\": $refused, \"event\": $event}" >> "${TMPDIR:-/tmp}/internal-extension.jsonl"
  done
) &
exec "$@"
'''


def extensions_layer(client: Any) -> str:
    files = {f"extensions/{path.name}": path.read_text() for path in sorted(EXTENSIONS.iterdir())}
    files["internal-wrapper.sh"] = WRAPPER
    layer = client.publish_layer_version(
        LayerName=unique("extensions"),
        Content={"ZipFile": make_zip(files, executable=tuple(files))},
        CompatibleRuntimes=["python3.12"],
    )
    return layer["LayerVersionArn"]


@pytest.fixture(params=["default", "process"])
def executor_gateway(request, gateway, special_gateway):
    """The shared gateway (default executor) and one running the process executor."""
    return gateway if request.param == "default" else special_gateway(LAMBDA_RUNTIME_EXECUTOR="process")


def _log_events(gateway, name: str) -> list[str]:
    logs = client_for(gateway.url, "logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events]


def _records(telemetry: list[dict], kind: str, request_id: str = "") -> list[dict]:
    return [event["record"] for event in telemetry
            if event["type"] == kind and (not request_id or event["record"].get("requestId") == request_id)]


def test_external_and_internal_extensions_with_the_telemetry_api(executor_gateway):
    client = client_for(executor_gateway.url)
    name = create_function(client, zip_bytes=python_zip(FUNCTION), Layers=[extensions_layer(client)], Timeout=10,
                           Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/internal-wrapper.sh"}})
    account = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"].split(":")[4]
    response, first = invoke_json(client, name, LogType="Tail")
    assert "FunctionError" not in response, first
    # Both external extensions registered before the runtime started: the shell one
    # asked for the account id; the launcher keeps the runtime's own variables from it.
    assert first["register"] == {"functionName": name, "functionVersion": "$LATEST", "handler": "index.handler",
                                 "accountId": account}
    assert "AWS_LAMBDA_RUNTIME_API" in first["extension_variables"]
    for hidden in ("_HANDLER", "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_STREAM_NAME"):
        assert hidden not in first["extension_variables"]
    # Refused subscriptions, in AWS's shape (400 ValidationError, 403 for an unknown extension).
    refused = first["refused"]
    assert refused["timeoutMs"][0] == 400 and refused["timeoutMs"][1]["errorType"] == "ValidationError"
    assert "buffering.timeoutMs" in refused["timeoutMs"][1]["errorMessage"]
    assert refused["types"][1]["errorMessage"] == "types should not be empty"
    assert refused["port"][1]["errorMessage"] == "URI port is not provided"
    assert refused["unknown"] == [403, {"errorMessage": "Unknown extension 9b5a37a0-0000-4000-8000-000000000000",
                                        "errorType": "Extension.UnknownExtensionIdentifier"}]
    # The response came while the shell extension still works on the invocation: the
    # log tail ends before END/REPORT, which come once the extension is done.
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "hello from the function" in tail and "REPORT RequestId" not in tail

    # Each later invocation reads what the extensions got from the earlier ones.
    def telemetry_of_first() -> Any:
        _, answer = invoke_json(client, name, {"probe": True})
        reports = _records(answer["telemetry"], "platform.report", first["request_id"])
        return (answer, reports[0]) if reports else None

    later, report = wait_until(telemetry_of_first, timeout=30, interval=0.2, message="platform.report of the first")
    telemetry = later["telemetry"]
    kinds = [event["type"] for event in telemetry]
    # Init's events reached a subscriber that subscribed during init, in order.
    assert kinds.index("platform.initStart") < kinds.index("platform.initRuntimeDone") < kinds.index(
        "platform.initReport") < kinds.index("platform.start")
    assert {record["name"] for record in _records(telemetry, "platform.extension")} >= {
        "shell-extension", "telemetry-extension", "internal-extension"}
    assert _records(telemetry, "platform.telemetrySubscription")[0] == {
        "name": "telemetry-extension", "state": "Subscribed", "types": ["platform", "function", "extension"]}
    assert "hello from the function" in [event["record"] for event in telemetry if event["type"] == "function"]
    assert any("[shell-extension] starting" == event["record"] for event in telemetry if event["type"] == "extension")
    # REPORT covers the extension's post-runtime work (500 ms); runtimeDone the runtime's own.
    runtime_done = _records(telemetry, "platform.runtimeDone", first["request_id"])[0]
    assert runtime_done["status"] == "success"
    assert report["metrics"]["durationMs"] >= 500 > runtime_done["metrics"]["durationMs"]
    assert report["metrics"]["billedDurationMs"] >= report["metrics"]["durationMs"]
    assert report["metrics"]["memorySizeMB"] == 128 and "initDurationMs" in report["metrics"]
    # INVOKE events, in AWS's shape, to the external and the internal extension.
    invoke = next(event for event in later["shell_events"] if event.get("requestId") == first["request_id"])
    assert invoke["eventType"] == "INVOKE" and invoke["invokedFunctionArn"].endswith(f":function:{name}")
    assert invoke["tracing"]["type"] == "X-Amzn-Trace-Id" and invoke["deadlineMs"] > time.time() * 1000 - 60_000
    internal = [line for line in later["internal_events"] if line["event"].get("requestId") == first["request_id"]]
    assert internal and internal[0]["refused_shutdown"] == 403
    # What a function's process may not do once init ended.
    assert later["late_internal"] == [403, {"errorMessage": "Extension registration closed already",
                                            "errorType": "Extension.RegistrationClosed"}]
    assert later["no_name"] == [403, {"errorMessage": "Empty extension name",
                                      "errorType": "Extension.InvalidExtensionName"}]
    assert later["unknown_id"] == [403, {"errorMessage": "Invalid Lambda-Extension-Identifier",
                                         "errorType": "Extension.InvalidExtensionIdentifier"}]
    # REPORT reached the function's log once the extension was done; deleting the
    # function ends its environment: the shell extension gets SHUTDOWN (spindown).
    wait_until(lambda: any(f"REPORT RequestId: {first['request_id']}" in line
                           for line in _log_events(executor_gateway, name)), timeout=20, message="REPORT in the log")
    client.delete_function(FunctionName=name)
    wait_until(lambda: "[shell-extension] SHUTDOWN spindown" in _log_events(executor_gateway, name), timeout=20,
               message="SHUTDOWN in the log")


def test_an_extension_that_crashes_during_init_fails_the_invoke(executor_gateway):
    client = client_for(executor_gateway.url)
    crashing = "#!/bin/bash\necho 'crashing before registering'\nexit 3\n"
    layer = client.publish_layer_version(LayerName=unique("crash"), Content={
        "ZipFile": make_zip({"extensions/crasher": crashing}, executable=("extensions/crasher",))})
    name = create_function(client, Layers=[layer["LayerVersionArn"]])
    response, payload = invoke_json(client, name)
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Extension.Crash" and "exit status 3" in payload["errorMessage"]


def test_an_extension_reporting_an_init_error_fails_the_invoke(gateway):
    client = client_for(gateway.url)
    failing = ('#!/bin/bash\napi="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"\n'
               'id=$(curl -sS -D - -o /dev/null -X POST "$api/register" -H "Lambda-Extension-Name: failing" '
               '-d \'{"events": ["INVOKE"]}\' | grep -Fi Lambda-Extension-Identifier | tr -d "[:space:]" | cut -d: -f2)\n'
               'curl -sS -X POST "$api/init/error" -H "Lambda-Extension-Identifier: $id" '
               '-H "Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid" -d \'{}\'\nsleep 5\n')
    layer = client.publish_layer_version(LayerName=unique("failing"), Content={
        "ZipFile": make_zip({"extensions/failing": failing}, executable=("extensions/failing",))})
    name = create_function(client, Layers=[layer["LayerVersionArn"]])
    response, payload = invoke_json(client, name)
    assert response["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "Extension.InitError", "errorMessage": "failing: Extension.ConfigInvalid"}


def test_extension_work_past_the_timeout_ends_the_invocation_and_its_environment(gateway):
    # AWS: "the function and all extensions need to complete within" the timeout; a timeout
    # resets the environment, and extensions get SHUTDOWN with the reason.
    client = client_for(gateway.url)
    slow = ('#!/bin/bash\napi="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"\n'
            'id=$(curl -sS -D - -o /dev/null -X POST "$api/register" -H "Lambda-Extension-Name: slow" '
            '-d \'{"events": ["INVOKE", "SHUTDOWN"]}\' | grep -Fi Lambda-Extension-Identifier | tr -d "[:space:]" '
            '| cut -d: -f2)\n'
            'while true; do\n  event=$(curl -sS "$api/event/next" -H "Lambda-Extension-Identifier: $id")\n'
            '  case "$event" in *SHUTDOWN*) echo "[slow] got $event"; exit 0;; esac\n'
            '  sleep 2\ndone\n')
    layer = client.publish_layer_version(LayerName=unique("slow"), Content={
        "ZipFile": make_zip({"extensions/slow": slow}, executable=("extensions/slow",))})
    name = create_function(client, Layers=[layer["LayerVersionArn"]], Timeout=1)
    response, _ = invoke_json(client, name)
    assert "FunctionError" not in response  # the runtime answered in time: so does the client
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    def report_and_shutdown() -> Any:
        lines = _log_events(gateway, name)
        report = [line for line in lines if line.startswith(f"REPORT RequestId: {request_id}")]
        shutdown = [line for line in lines if line.startswith("[slow] got ")]
        return (report[0], json.loads(shutdown[0][len("[slow] got "):])) if report and shutdown else None

    report, shutdown = wait_until(report_and_shutdown, timeout=20, message="REPORT and SHUTDOWN in the log")
    assert "Duration: 1000.00 ms" in report and report.endswith("Status: timeout")
    assert shutdown["eventType"] == "SHUTDOWN" and shutdown["shutdownReason"] == "timeout"


def test_registration_closes_with_init_without_any_extension(gateway):
    client = client_for(gateway.url)
    name = create_function(client, zip_bytes=python_zip(FUNCTION))
    response, answer = invoke_json(client, name, {"probe": True})
    assert "FunctionError" not in response, answer
    assert answer["late_internal"] == [403, {"errorMessage": "Extension registration closed already",
                                             "errorType": "Extension.RegistrationClosed"}]
