"""Node.js handler semantics as AWS's runtime interface client implements them
(aws/aws-lambda-nodejs-runtime-interface-client, src/Runtime.js, CallbackContext.js,
Errors.js, LogPatch.js, index.mjs), through the real gateway:

- A non-async handler that never calls back answers ``null`` once the event loop is
  empty; an async one whose promise never settles fails with ``Runtime.NodeJsExit``
  (Runtime._setDefaultExitListener). The environment goes on serving.
- ``callback(null, result)`` answers when the event loop is empty, unless
  ``context.callbackWaitsForEmptyEventLoop = false``; a returned promise answers at
  once (CallbackContext: callback vs done/succeed).
- An unhandled rejection during an invocation is that invocation's error,
  ``Runtime.UnhandledPromiseRejection`` with message ``String(reason)``, then the runtime
  exits (128); an uncaught exception likewise with the error's own type (129).
- Thrown non-Errors: errorType ``typeof value``, errorMessage ``value.toString()``,
  trace ``[]`` (Errors.toRapidResponse); an error-like object (string name, message
  and stack) is an error; rejecting with undefined/null is ``"handled"`` (context.fail).
- ``AWS_LAMBDA_LOG_LEVEL`` (JSON log format) drops records below the level; JSON
  records are ``{timestamp, level, requestId, message}`` with AWS's error fields.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from .conftest import client_for, create_function, headers, invoke_json, node_zip, runtime_alive, wait_until

NODEJS_EXIT = (
    "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a "
    "Promise that was never settled. For more information, see "
    "https://nodejs.org/docs/latest/api/process.html#exit-codes"
)

NO_CALLBACK = """
const PROCESS = `${process.pid}/${require("node:fs").readlinkSync("/proc/self/ns/mnt")}`;
let calls = 0;
exports.handler = function (e, c) {
  calls += 1;
  if (e.report) return c.succeed({ calls, pid: PROCESS });
  console.log('x');
};
exports.returns = function (e) { return 42; };
exports.timer = function (e) { setTimeout(() => console.log('late timer'), 30); };
exports.pending = async (e) => {
  if (e.hang) return new Promise(() => {});
  return { pid: PROCESS };
};
"""

WAITS = """
let fired = 0;
exports.handler = (event, context, callback) => {
  const result = { waits: context.callbackWaitsForEmptyEventLoop, timerFired: false, firedBefore: fired };
  if (event.wait === false) context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => { result.timerFired = true; fired += 1; }, 150);
  callback(null, result);
};
exports.asyncHandler = async () => {
  const result = { timerFired: false };
  setTimeout(() => { result.timerFired = true; }, 150);
  return result;
};
"""

CRASHES = """
const PROCESS = `${process.pid}/${require("node:fs").readlinkSync("/proc/self/ns/mnt")}`;
exports.handler = async (event) => {
  if (event.reject !== undefined) {
    Promise.reject(event.reject === "error" ? new Error("kaput") : event.reject);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  return { pid: PROCESS };
};
exports.uncaught = (event, context, callback) => {
  if (event.throwLater) {
    setTimeout(() => { throw event.throwLater === "error" ? new TypeError("late boom") : event.throwLater; }, 5);
    return;
  }
  callback(null, { pid: PROCESS });
};
"""

THROWS = """
const values = {
  string: "boom",
  object: { code: 42 },
  number: 42,
  duck: { name: "Custom", message: "duck typed", stack: "Custom: duck typed\\n    at nowhere" },
};
exports.handler = function (event, context, callback) {
  if (event.kind === "undefined") throw undefined;
  if (event.kind === "callback-zero") return callback(0);
  throw values[event.kind];
};
exports.rejects = async (event) => {
  throw event.kind === "null" ? null : undefined;
};
exports.circular = async () => {
  const result = {};
  result.self = result;
  return result;
};
"""

LEVELS = """
exports.handler = async (event) => {
  console.trace("at trace");
  console.debug("at debug");
  console.info("at info");
  console.log("at log");
  console.warn("at warn");
  console.error("at error");
  console.fatal("at fatal");
  console.warn({ structured: true, n: 1 });
  console.error("with an error", new TypeError("bad type"));
  throw new RangeError("out of range");
};
"""


@pytest.fixture(scope="module")
def client(gateway_url):
    return client_for(gateway_url)


def node_function(client, code: str, handler: str = "index.handler", **kwargs) -> str:
    return create_function(client, "node", runtime="nodejs20.x", handler=handler, zip_bytes=node_zip(code),
                           Timeout=5, **kwargs)


def tail(response: dict) -> list[str]:
    return base64.b64decode(response["LogResult"]).decode().splitlines()


def reaped(gateway, identity: str) -> bool:
    """The runtime process that reported ``identity`` is gone.

    Tests wait for it before the next invoke: an invoke sent while the crashed
    runtime is still exiting is handed to that environment and answered
    Runtime.ExitError by the gateway (on AWS it would start a new environment)."""
    return not runtime_alive(gateway, identity)


# 1. Handlers that never call back ------------------------------------------------------------
def test_non_async_handler_without_callback_answers_null(client):
    name = node_function(client, NO_CALLBACK)
    for _ in range(2):
        response = client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        assert response["StatusCode"] == 200 and "FunctionError" not in response
        assert response["Payload"].read() == b"null"
        assert any(line.endswith("\tINFO\tx") for line in tail(response))
    # The same environment served them all (a restart would have reset `calls`).
    _, payload = invoke_json(client, name, {"report": True})
    assert payload["calls"] == 3

    returns = node_function(client, NO_CALLBACK, handler="index.returns")
    response = client.invoke(FunctionName=returns, Payload=b"{}")
    assert "FunctionError" not in response and response["Payload"].read() == b"null"


def test_null_answer_waits_for_the_event_loop(client):
    name = node_function(client, NO_CALLBACK, handler="index.timer")
    response = client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    assert "FunctionError" not in response and response["Payload"].read() == b"null"
    assert any(line.endswith("\tINFO\tlate timer") for line in tail(response)), "answered after the timer ran"


def test_async_handler_that_never_settles_fails_with_nodejs_exit(client):
    name = node_function(client, NO_CALLBACK, handler="index.pending")
    _, before = invoke_json(client, name)
    response, payload = invoke_json(client, name, {"hang": True}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert list(payload) == ["errorType", "errorMessage", "trace"]
    assert (payload["errorType"], payload["errorMessage"]) == ("Runtime.NodeJsExit", NODEJS_EXIT)
    assert payload["trace"][0] == f"Runtime.NodeJsExit: {NODEJS_EXIT}"
    assert any("\tERROR\tInvoke Error \t{\"errorType\":\"Runtime.NodeJsExit\"" in line for line in tail(response))
    # AWS's runtime goes on to the next invocation in the same process.
    _, after = invoke_json(client, name)
    assert after["pid"] == before["pid"]


# 2. callbackWaitsForEmptyEventLoop ---------------------------------------------------------
def test_callback_waits_for_empty_event_loop_by_default(client):
    name = node_function(client, WAITS)
    # The result object is serialized when the response is sent: after the timer ran.
    _, payload = invoke_json(client, name)
    assert payload == {"waits": True, "timerFired": True, "firedBefore": 0}


def test_callback_answers_at_once_when_not_waiting(client):
    name = node_function(client, WAITS)
    _, payload = invoke_json(client, name, {"wait": False})
    assert payload == {"waits": True, "timerFired": False, "firedBefore": 0}
    # The timers left behind keep running in the environment after the answer.
    wait_until(lambda: invoke_json(client, name, {"wait": False})[1]["firedBefore"] >= 2, 10, 0.05,
               message="timers of earlier invocations fired")


def test_async_handler_answers_without_waiting(client):
    name = node_function(client, WAITS, handler="index.asyncHandler")
    _, payload = invoke_json(client, name)
    assert payload == {"timerFired": False}


# 3. Unhandled rejections and uncaught exceptions -----------------------------------------------
@pytest.mark.parametrize("reason, message, first_line", [
    ("error", "Error: kaput", "Runtime.UnhandledPromiseRejection: Error: kaput"),
    ("plain reason", "plain reason", "Runtime.UnhandledPromiseRejection: plain reason"),
])
def test_unhandled_rejection_fails_the_invocation_then_the_runtime_exits(client, gateway, reason, message, first_line):
    name = node_function(client, CRASHES)
    _, before = invoke_json(client, name)
    response, payload = invoke_json(client, name, {"reject": reason}, LogType="Tail")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert list(payload) == ["errorType", "errorMessage", "trace"]
    assert (payload["errorType"], payload["errorMessage"]) == ("Runtime.UnhandledPromiseRejection", message)
    assert payload["trace"][0] == first_line
    assert any("at process.<anonymous>" in frame for frame in payload["trace"][1:])
    logged = [line for line in tail(response) if "\tERROR\tUnhandled Promise Rejection \t" in line]
    assert logged, tail(response)
    record = json.loads(logged[0].split(" \t", 1)[1])
    assert record["errorType"] == "Runtime.UnhandledPromiseRejection" and record["errorMessage"] == message
    assert list(record)[-1] == "stack" and "reason" in record and record["promise"] == {}
    # The runtime exited; the next invoke starts a new environment and works.
    wait_until(lambda: reaped(gateway, before["pid"]), 10, message="the runtime exited")
    response, after = invoke_json(client, name)
    assert "FunctionError" not in response and after["pid"] != before["pid"]


@pytest.mark.parametrize("thrown, expected", [
    ("error", ("TypeError", "late boom", "TypeError: late boom")),
    ("a string", ("string", "a string", None)),
])
def test_uncaught_exception_fails_the_invocation_then_the_runtime_exits(client, gateway, thrown, expected):
    name = node_function(client, CRASHES, handler="index.uncaught")
    _, before = invoke_json(client, name)
    response, payload = invoke_json(client, name, {"throwLater": thrown}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == expected[:2]
    if expected[2]:
        assert payload["trace"][0] == expected[2]
    else:
        assert payload["trace"] == []
    assert any("\tERROR\tUncaught Exception \t{" in line for line in tail(response))
    wait_until(lambda: reaped(gateway, before["pid"]), 10, message="the runtime exited")
    response, after = invoke_json(client, name)
    assert "FunctionError" not in response and after["pid"] != before["pid"]


# 4. Thrown values that are not Errors ------------------------------------------------------------
@pytest.mark.parametrize("kind, expected", [
    ("string", {"errorType": "string", "errorMessage": "boom", "trace": []}),
    ("object", {"errorType": "object", "errorMessage": "[object Object]", "trace": []}),
    ("number", {"errorType": "number", "errorMessage": "42", "trace": []}),
    ("callback-zero", {"errorType": "number", "errorMessage": "0", "trace": []}),
    ("duck", {"errorType": "Custom", "errorMessage": "duck typed", "trace": ["Custom: duck typed", "    at nowhere"]}),
])
def test_thrown_non_errors(client, kind, expected):
    name = node_function(client, THROWS)
    response, payload = invoke_json(client, name, {"kind": kind}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert payload == expected
    assert list(payload) == ["errorType", "errorMessage", "trace"]
    if kind == "string":
        # The log line wraps the value in an Error, as AWS's runtime does.
        line = next(line for line in tail(response) if "\tERROR\tInvoke Error \t" in line)
        record = json.loads(line.split(" \t", 1)[1])
        assert (record["errorType"], record["errorMessage"], record["stack"][0]) == ("Error", "boom", "Error: boom")


def test_throwing_undefined_from_a_callback_handler_succeeds_with_null(client):
    # `throw undefined` reaches callback(undefined): no error, a null result.
    name = node_function(client, THROWS)
    response = client.invoke(FunctionName=name, Payload=json.dumps({"kind": "undefined"}))
    assert "FunctionError" not in response and response["Payload"].read() == b"null"


@pytest.mark.parametrize("kind", ["undefined", "null"])
def test_rejecting_with_nothing_is_handled(client, kind):
    name = node_function(client, THROWS, handler="index.rejects")
    response, payload = invoke_json(client, name, {"kind": kind})
    assert response["FunctionError"] == "Unhandled"
    assert payload == {"errorType": "string", "errorMessage": "handled", "trace": []}


def test_unserializable_result(client):
    name = node_function(client, THROWS, handler="index.circular")
    response, payload = invoke_json(client, name)
    assert response["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("Error", "Unable to stringify response body")


# 5. JSON logs and the application log level ------------------------------------------------------
def json_records(logs, group: str, until: str) -> list[dict]:
    def fetch():
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        records = []
        for event in events:
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue
            if isinstance(record, dict) and "level" in record:
                records.append(record)
        last = [r for r in records if isinstance(r["message"], dict) and r["message"].get("errorMessage") == until]
        return records if last else None

    return wait_until(fetch, 10, 0.05, message=f"the log record {until!r} in {group}")


@pytest.mark.parametrize("level, kept", [
    ("WARN", ["at warn", "at error", "at fatal"]),
    ("DEBUG", ["at debug", "at info", "at log", "at warn", "at error", "at fatal"]),
])
def test_json_logs_honour_the_application_log_level(client, aws_client, level, kept):
    name = node_function(client, LEVELS, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": level})
    response, payload = invoke_json(client, name)
    request_id = headers(response)["x-amzn-requestid"]
    assert payload["errorType"] == "RangeError"
    records = json_records(aws_client("logs"), f"/aws/lambda/{name}", until="out of range")
    texts = [r["message"] for r in records if isinstance(r["message"], str)]
    plain = [t for t in texts if t.startswith("at ")]
    assert plain == kept
    by_message = {r["message"]: r for r in records if isinstance(r["message"], str)}
    for text, expected_level in [("at debug", "DEBUG"), ("at info", "INFO"), ("at log", "INFO"), ("at warn", "WARN"),
                                 ("at error", "ERROR"), ("at fatal", "FATAL")]:
        if text in kept:
            record = by_message[text]
            assert list(record) == ["timestamp", "level", "requestId", "message"]
            assert record["level"] == expected_level and record["requestId"] == request_id
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", record["timestamp"])
    # One argument is the message as is; several are formatted, the first Error adding its fields.
    assert {"structured": True, "n": 1} in [r["message"] for r in records]
    with_error = next(r for r in records if isinstance(r["message"], str) and r["message"].startswith("with an error"))
    assert with_error["level"] == "ERROR"
    assert (with_error["errorType"], with_error["errorMessage"]) == ("TypeError", "bad type")
    assert with_error["stackTrace"][0] == "TypeError: bad type"
    # The runtime's "Invoke Error" record: the error alone as the message.
    invoke_error = next(r for r in records if isinstance(r["message"], dict) and "errorType" in r["message"])
    assert invoke_error["level"] == "ERROR" and invoke_error["requestId"] == request_id
    assert list(invoke_error["message"]) == ["errorType", "errorMessage", "stackTrace"]
    error = invoke_error["message"]
    assert (error["errorType"], error["errorMessage"]) == ("RangeError", "out of range")
    assert error["stackTrace"][0] == "RangeError: out of range"
