"""How invocations fail, as AWS reports it, and that the next invoke works.

AWS facts: an error in the handler answers 200 with ``X-Amz-Function-Error:
Unhandled`` and the runtime's error document (Python: errorMessage, errorType,
requestId, stackTrace; Node.js: errorType, errorMessage, trace) —
https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html and
nodejs-exceptions.html; a timeout answers ``Sandbox.Timedout`` "RequestId: <id>
Error: Task timed out after 1.00 seconds"; a runtime that exits answers
``Runtime.ExitError`` "RequestId: <id> Error: Runtime exited with error: exit
status N"; init failures carry the runtime's init error (Runtime.ImportModuleError,
Runtime.HandlerNotFound). A function that is not Active answers
ResourceConflictException (the user guide's "Function in Pending state").
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from .conftest import (
    client_for,
    create_function,
    headers,
    invoke_json,
    node_zip,
    runtime_alive,
    python_zip,
    wait_until,
)


@pytest.mark.parametrize("kind", ["python", "node"])
def test_unhandled_error_shape(lambda_client, echo_functions, kind):
    response, payload = invoke_json(lambda_client, echo_functions[kind], {"action": "error", "message": "it broke"})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert headers(response)["x-amz-function-error"] == "Unhandled"
    request_id = headers(response)["x-amzn-requestid"]
    if kind == "python":
        assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert payload["errorMessage"] == "it broke"
        assert payload["errorType"] == "Exception"
        assert payload["requestId"] == request_id
        assert payload["stackTrace"] and 'raise Exception(event.get("message", "boom"))' in payload["stackTrace"][-1]
    else:
        assert list(payload) == ["errorType", "errorMessage", "trace"]
        assert payload["errorType"] == "Error"
        assert payload["errorMessage"] == "it broke"
        assert payload["trace"][0] == "Error: it broke"
        assert any("index.js" in frame for frame in payload["trace"][1:])
    # The environment survives a handled-by-the-runtime error.
    response, payload = invoke_json(lambda_client, echo_functions[kind], {"after": "error"})
    assert "FunctionError" not in response and payload["event"] == {"after": "error"}


def test_node_callback_and_non_error_rejections(lambda_client):
    code = """
exports.handler = (event, context, callback) => {
  if (event.kind === "callback-error") return callback(new TypeError("bad type"));
  if (event.kind === "string") return callback("just a string");
  if (event.kind === "reject") return Promise.reject(new RangeError("out of range"));
  callback(null, {ok: true, remaining: context.getRemainingTimeInMillis() > 0});
};
"""
    name = create_function(lambda_client, "node", zip_bytes=node_zip(code))
    _, payload = invoke_json(lambda_client, name, {})
    assert payload == {"ok": True, "remaining": True}
    response, payload = invoke_json(lambda_client, name, {"kind": "callback-error"})
    assert response["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("TypeError", "bad type")
    response, payload = invoke_json(lambda_client, name, {"kind": "reject"})
    assert (payload["errorType"], payload["errorMessage"]) == ("RangeError", "out of range")
    response, payload = invoke_json(lambda_client, name, {"kind": "string"})
    assert response["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("string", "just a string")


@pytest.mark.parametrize("kind", ["python", "node"])
def test_timeout_then_next_invoke_works(lambda_client, gateway, kind):
    name = create_function(lambda_client, kind, Timeout=1)
    before = invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0})[1]["process"]
    response, payload = invoke_json(lambda_client, name, {"action": "sleep", "seconds": 3})
    request_id = headers(response)["x-amzn-requestid"]
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    # The timed-out runtime is stopped; a new environment serves the next invoke.
    wait_until(lambda: not runtime_alive(gateway, before), 5, message="the timed-out runtime stopped")
    response, payload = invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0.01})
    assert "FunctionError" not in response and payload["slept"] == 0.01 and payload["process"] != before


@pytest.mark.parametrize("kind", ["python", "node"])
def test_runtime_exit_mid_invoke_then_next_invoke_works(lambda_client, kind):
    name = create_function(lambda_client, kind)
    _, before = invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0})
    response, payload = invoke_json(lambda_client, name, {"action": "exit", "status": 3}, LogType="Tail")
    request_id = headers(response)["x-amzn-requestid"]
    assert response["FunctionError"] == "Unhandled"
    assert payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }
    response, after = invoke_json(lambda_client, name, {"action": "sleep", "seconds": 0})
    assert "FunctionError" not in response
    assert after["process"] != before["process"], "a new environment replaced the one that exited"


def test_python_import_error(lambda_client):
    code = "import module_that_does_not_exist\n\ndef handler(event, context):\n    return 1\n"
    name = create_function(lambda_client, zip_bytes=python_zip(code))
    for _ in range(2):  # AWS reports it on every invoke, each time initializing again
        response, payload = invoke_json(lambda_client, name)
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        assert payload["errorType"] == "Runtime.ImportModuleError"
        assert payload["errorMessage"] == "Unable to import module 'index': No module named 'module_that_does_not_exist'"
        assert payload["stackTrace"] == []
    # Fixing the code fixes the function.
    lambda_client.update_function_code(FunctionName=name, ZipFile=python_zip("def handler(e, c):\n    return 'fixed'\n"))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05})
    assert invoke_json(lambda_client, name)[1] == "fixed"


def test_python_handler_not_found_and_init_exception(lambda_client):
    name = create_function(lambda_client, zip_bytes=python_zip("def other(e, c):\n    return 1\n"))
    response, payload = invoke_json(lambda_client, name)
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.HandlerNotFound"
    assert payload["errorMessage"] == "Handler 'handler' missing on module 'index'"

    name = create_function(lambda_client, zip_bytes=python_zip("raise ValueError('bad init')\n"))
    response, payload = invoke_json(lambda_client, name)
    assert response["FunctionError"] == "Unhandled"
    # An exception other than ImportError at import time keeps its own type.
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "bad init")


def test_node_handler_not_found(lambda_client):
    name = create_function(lambda_client, "node", zip_bytes=node_zip("exports.other = async () => 1;\n"))
    for _ in range(2):
        response, payload = invoke_json(lambda_client, name)
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        assert payload["errorType"] == "Runtime.HandlerNotFound"
        assert payload["errorMessage"] == "index.handler is undefined or not exported"
        assert payload["trace"][0] == "Runtime.HandlerNotFound: index.handler is undefined or not exported"


def test_node_module_not_found_and_init_throw(lambda_client):
    name = create_function(lambda_client, "node", zip_bytes=node_zip("exports.handler = 1;", filename="other.js"))
    response, payload = invoke_json(lambda_client, name)
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"].startswith("Error: Cannot find module 'index'")

    name = create_function(lambda_client, "node", zip_bytes=node_zip("throw new Error('init failed');"))
    response, payload = invoke_json(lambda_client, name)
    assert response["FunctionError"] == "Unhandled"
    assert (payload["errorType"], payload["errorMessage"]) == ("Error", "init failed")


def test_provided_without_bootstrap(lambda_client):
    from .conftest import make_zip

    name = create_function(lambda_client, "provided", zip_bytes=make_zip({"README": "no bootstrap here"}))
    response, payload = invoke_json(lambda_client, name)
    assert response["FunctionError"] == "Unhandled"
    # AWS: "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
    assert payload["errorType"] == "Runtime.InvalidEntrypoint"
    # AWS prefixes the message with "RequestId: <id> Error: "; we do not (init errors are per environment).
    assert payload["errorMessage"].endswith("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")


PENDING = (
    "ResourceConflictException",
    "The operation cannot be performed at this time. The function is currently in the following state: Pending",
    409,
)


def test_pending_function_answers_resource_conflict(special_gateway):
    """Invoke right after create, in a loop until it runs: every refusal is exactly
    AWS's ResourceConflictException. A gateway that keeps functions Pending for a
    moment (LAMBDA_STATE_TRANSITION_DELAY_MS) makes the Pending phase certain."""
    gateway = special_gateway(LAMBDA_STATE_TRANSITION_DELAY_MS="1500")
    client = client_for(gateway.url)
    name = create_function(client, wait=False)
    # Event and DryRun invokes are refused the same way while Pending.
    for kind in ("Event", "DryRun"):
        with pytest.raises(ClientError) as error:
            client.invoke(FunctionName=name, InvocationType=kind, Payload=b"{}")
        assert error.value.response["Error"]["Code"] == PENDING[0]
        assert error.value.response["Error"]["Message"] == PENDING[1]
    refusals = []
    while True:
        try:
            response, payload = invoke_json(client, name, {"n": 1})
            break
        except ClientError as error:
            err = error.response
            refusals.append((err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]))
            assert len(refusals) < 5000
            time.sleep(0.005)
    assert refusals, "the function was observed Pending"
    assert set(refusals) == {PENDING}
    assert response["StatusCode"] == 200 and payload["event"] == {"n": 1}
