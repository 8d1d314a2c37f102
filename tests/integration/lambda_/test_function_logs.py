"""Function logs: CloudWatch Logs delivery (group ``/aws/lambda/<name>``, AWS's
stream names), reading them with the AWS CLI, ``LoggingConfig`` JSON format, and
the gateway's own log truncated at ``LAMBDA_TRUNCATE_STDOUT``.

AWS facts: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
(group ``/aws/lambda/<function name>``, stream ``YYYY/MM/DD/[<version>]<32 hex>``,
one stream per execution environment) and
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
(JSON log format: ``timestamp``, ``level``, ``message``, ``requestId``).

``aws logs tail`` exists in AWS CLI v2 only; the installed CLI is v1, so the
CLI test reads the same events with ``aws logs filter-log-events`` (what
``logs tail`` calls underneath).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import client_for, create_function, invoke_json, node_zip, python_zip, unique, wait_until

ROOT = Path(__file__).resolve().parents[3]
STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[(\$LATEST|\d+)\][0-9a-f]{32}$")

PYTHON_LOGGING = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    print("plain print output")
    logger.info("structured %s", "info")
    logger.warning("a warning")
    logger.debug("hidden debug")
    return "done"
"""

NODE_LOGGING = """
exports.handler = async (event) => {
  console.log("node info", 42);
  console.warn("node warning");
  console.error(new Error("node error"));
  return "done";
};
"""


def log_events(logs, group: str, count: int, timeout: float = 10.0) -> list[dict]:
    def fetch():
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return events if len(events) >= count else None

    return wait_until(fetch, timeout, 0.05, message=f"{count} log events in {group}")


@pytest.mark.parametrize("kind", ["python", "node"])
def test_function_output_reaches_cloudwatch_logs(lambda_client, aws_client, kind):
    logs = aws_client("logs")
    name = create_function(lambda_client, kind)
    ids = []
    for n in range(2):
        response, _ = invoke_json(lambda_client, name, {"action": "print", "lines": [f"message {n} from {kind}"]})
        ids.append(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
    group = f"/aws/lambda/{name}"
    events = log_events(logs, group, 8)
    messages = [e["message"] for e in events]
    for n, request_id in enumerate(ids):
        start = messages.index(f"START RequestId: {request_id} Version: $LATEST")
        assert messages[start + 1].endswith(f"message {n} from {kind}")
        assert messages[start + 2] == f"END RequestId: {request_id}"
        assert messages[start + 3].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupName"] == group
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert len(streams) == 1, "one warm environment, one stream"
    assert STREAM.match(streams[0]["logStreamName"]), streams[0]["logStreamName"]
    assert {e["logStreamName"] for e in events} == {streams[0]["logStreamName"]}
    assert all(isinstance(e["timestamp"], int) for e in events)


def test_each_environment_and_version_has_its_own_stream(lambda_client, aws_client):
    logs = aws_client("logs")
    name = create_function(lambda_client)
    version = lambda_client.publish_version(FunctionName=name)["Version"]
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name, Qualifier=version,
                                                          WaiterConfig={"Delay": 0.05})
    invoke_json(lambda_client, name)
    invoke_json(lambda_client, name, Qualifier=version)
    group = f"/aws/lambda/{name}"
    log_events(logs, group, 8)  # INIT_START, START, END, REPORT each
    names = sorted(s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"])
    assert len(names) == 2
    assert {re.search(r"\[(.+)\]", n).group(1) for n in names} == {"$LATEST", version}


def test_custom_log_group(lambda_client, aws_client):
    group = f"/custom/{unique('group')}"
    name = create_function(lambda_client, LoggingConfig={"LogFormat": "Text", "LogGroup": group})
    response, payload = invoke_json(lambda_client, name)
    assert payload["env"]["AWS_LAMBDA_LOG_GROUP_NAME"] == group
    events = log_events(aws_client("logs"), group, 4)
    assert events[0]["message"].startswith("INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: ")
    assert events[1]["message"].startswith("START RequestId: ")


def test_cli_reads_function_logs(lambda_client, cli_env, tmp_path):
    """``aws logs tail /aws/lambda/<name>`` is CLI v2; v1 reads them with filter-log-events."""
    name = create_function(lambda_client)
    invoke_json(lambda_client, name, {"action": "print", "lines": ["visible to the CLI"]})
    group = f"/aws/lambda/{name}"

    def cli_messages():
        result = subprocess.run(
            [str(ROOT / ".venv/bin/awslocal"), "logs", "filter-log-events", "--log-group-name", group],
            env=cli_env, capture_output=True, text=True, timeout=60,
        )
        if result.returncode != 0:
            return None
        messages = [e["message"] for e in json.loads(result.stdout)["events"]]
        return messages if len(messages) >= 5 else None

    messages = wait_until(cli_messages, 20, 0.2, message="log events through the CLI")
    assert messages[0].startswith("INIT_START Runtime Version: ")
    assert messages[1].startswith("START RequestId: ")
    assert "visible to the CLI" in messages[2]
    assert messages[-1].startswith("REPORT RequestId: ")


def test_json_log_format_python(lambda_client, aws_client):
    name = create_function(lambda_client, zip_bytes=python_zip(PYTHON_LOGGING),
                           LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"})
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    events = log_events(aws_client("logs"), f"/aws/lambda/{name}", 5)
    records = []
    for event in events:
        try:
            records.append(json.loads(event["message"]))
        except ValueError:
            continue
    app = [r for r in records if "level" in r]
    by_message = {r["message"]: r for r in app}
    assert set(by_message) >= {"structured info", "a warning"}
    assert "hidden debug" not in by_message, "ApplicationLogLevel INFO filters DEBUG"
    info = by_message["structured info"]
    assert info["level"] == "INFO" and info["requestId"] == request_id
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", info["timestamp"])
    assert by_message["a warning"]["level"] == "WARNING"  # the Python runtime keeps logging's level names
    # print() output is not a log record: it stays as written.
    assert any(e["message"] == "plain print output" for e in events)


def test_json_log_format_node(lambda_client, aws_client):
    name = create_function(lambda_client, "node", zip_bytes=node_zip(NODE_LOGGING),
                           LoggingConfig={"LogFormat": "JSON"})
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    events = log_events(aws_client("logs"), f"/aws/lambda/{name}", 6)
    records = {}
    for event in events:
        try:
            record = json.loads(event["message"])
        except ValueError:
            continue
        if isinstance(record, dict) and "level" in record:
            records[record["level"]] = record
    assert records["INFO"]["message"] == "node info 42"
    assert records["INFO"]["requestId"] == request_id
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", records["INFO"]["timestamp"])
    assert records["WARN"]["message"] == "node warning"
    assert "node error" in json.dumps(records["ERROR"])


def test_text_format_node_lines(lambda_client, echo_functions):
    """Text format: ``<ISO time>\\t<request id>\\tINFO\\t<message>`` as the Node.js runtime prints."""
    import base64

    response = lambda_client.invoke(FunctionName=echo_functions["node"], LogType="Tail",
                                    Payload=json.dumps({"action": "print", "lines": ["tab separated"]}))
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    assert re.match(rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tINFO\ttab separated$", lines[1]), lines


def test_gateway_log_truncates_function_output(special_gateway):
    gateway = special_gateway(LAMBDA_ASYNC_RETRY_BASE_MS="50", DEBUG="1", LAMBDA_TRUNCATE_STDOUT="200")
    client = client_for(gateway.url)
    logs = client_for(gateway.url, "logs")
    name = create_function(client)
    long_line = "L" * 150 + "M" * 150 + "END-OF-LINE"
    response, _ = invoke_json(client, name, {"action": "print", "lines": [long_line, "short line"]})
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    def gateway_lines():
        text = gateway.logs()
        return text if f"> END RequestId: {request_id}" in text else None

    text = wait_until(gateway_lines, 5, message="the invocation in the gateway's log")
    shown = [line.split("> ", 1)[1] for line in text.splitlines() if "> " in line and "lambda.function" in line]
    assert "L" * 150 + "M" * 50 + "..." in shown
    assert "END-OF-LINE" not in text
    assert "short line" in shown
    # CloudWatch keeps the whole line.
    events = log_events(logs, f"/aws/lambda/{name}", 5)
    assert long_line in [e["message"] for e in events]
