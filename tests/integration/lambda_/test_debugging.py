"""Remote debugging (issue 12 point 1): real debug clients attach to functions
that really run, stop at a breakpoint in the handler, read a variable and go on.

- Python: a Debug Adapter Protocol client (``tests/support/dap_client.py``)
  speaking to debugpy's adapter, as VS Code's Python debugger does, with the
  README's ``pathMappings`` (local directory -> ``/var/task``) under the sandbox.
- Node.js: a Chrome DevTools Protocol client over the inspector's WebSocket
  (``tests/support/cdp_client.py``), as VS Code's JavaScript debugger does.

Every function here has ``Timeout: 1`` and stays paused at its breakpoint for
longer: the invocation still returns its result (the timeout is lifted while
debugging). Functions come from hot-reload directories, as in the README's
walkthrough, so one test also edits the code and attaches to the new environment.
The file names three functions (two with ports, one without: timeout lifted
only); ``LAMBDA_DEBUG_PORT`` without ``LAMBDA_DEBUG_FUNCTION`` gives one port to
every other function, one environment at a time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

from providers.lambda_.executors.sandbox import unavailable_reason
from tests.integration.lambda_.conftest import ROLE, client_for, invoke_json, wait_active, wait_until
from tests.support.cdp_client import CdpClient
from tests.support.dap_client import DapClient
from tests.support.gateway_process import GatewayProcess

SANDBOX_UNAVAILABLE = unavailable_reason()
EXECUTORS = [pytest.param("sandbox", marks=pytest.mark.skipif(
    SANDBOX_UNAVAILABLE is not None, reason=f"the sandbox cannot run here: {SANDBOX_UNAVAILABLE}")), "process"]

PYTHON_HANDLER = '''\
def handler(event, context):
    answer = event["a"] * event["b"] + OFFSET
    return {"answer": answer, "remaining_ms": context.get_remaining_time_in_millis()}


OFFSET = 0
'''
PYTHON_BREAK_LINE = 3  # the return, where ``answer`` is known
NODE_HANDLER = '''\
export const handler = async (event, context) => {
  const answer = event.a * event.b;
  return { answer, remainingMs: context.getRemainingTimeInMillis() };
};
'''
NODE_BREAK_LINE = 2  # zero-based, as CDP counts: the return
PLAIN_HANDLER = '''\
import importlib.util
import sys


def handler(event, context):
    return {"debugpy": importlib.util.find_spec("debugpy") is not None, "path": sys.path,
            "remaining_ms": context.get_remaining_time_in_millis()}
'''
# The invocation stays paused at its breakpoint past its 1 s timeout: that pause is the scenario under test.
PAUSE_PAST_TIMEOUT_SECONDS = 1.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Debugged:
    """A gateway whose functions are debugged, with their code directories and ports."""

    def __init__(self, executor: str, root: Path) -> None:
        self.executor = executor
        self.names = {kind: f"dbg-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("py", "node", "hot", "other", "plain")}
        self.ports = {kind: free_port() for kind in ("py", "node", "hot")}
        self.dirs = {kind: root / kind for kind in self.names}
        for kind, (filename, code) in {"py": ("index.py", PYTHON_HANDLER), "node": ("app.mjs", NODE_HANDLER),
                                       "hot": ("index.py", PYTHON_HANDLER), "other": ("index.py", PYTHON_HANDLER),
                                       "plain": ("index.py", PLAIN_HANDLER)}.items():
            self.dirs[kind].mkdir(parents=True)
            (self.dirs[kind] / filename).write_text(code)
        config = root / "debug.yaml"
        config.write_text(json.dumps({"functions": {
            self.names["py"]: {"debug-port": self.ports["py"], "wait-for-attach": True},
            self.names["node"]: {"debug-port": self.ports["node"], "wait-for-attach": True},
            self.names["plain"]: None,  # no port: its timeout is lifted, no debugger starts
        }}))
        self.gateway = GatewayProcess(env={
            "LAMBDA_RUNTIME_EXECUTOR": executor,
            "LAMBDA_DEBUG_MODE_CONFIG_PATH": str(config),
            # The simple form, for every function the file does not name, without waiting:
            # the debugger attaches to a running environment.
            "LAMBDA_DEBUG_PORT": str(self.ports["hot"]),
        })

    def create_all(self) -> None:
        client = client_for(self.gateway.url)
        for kind, name in self.names.items():
            runtime, handler = ("nodejs20.x", "app.handler") if kind == "node" else ("python3.12", "index.handler")
            client.create_function(FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE, Timeout=1,
                                   Code={"S3Bucket": "hot-reload", "S3Key": str(self.dirs[kind])})
        for name in self.names.values():
            wait_active(client, name)

    def path_mappings(self, kind: str) -> list[dict[str, str]]:
        """The README's launch.json mapping: none needed under the process executor,
        where the code runs from its own directory."""
        if self.executor == "process":
            return []
        return [{"localRoot": str(self.dirs[kind]), "remoteRoot": "/var/task"}]


@pytest.fixture(scope="module", params=EXECUTORS)
def debugged(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Debugged]:
    setup = Debugged(request.param, tmp_path_factory.mktemp(f"debugging-{request.param}"))
    with setup.gateway:
        setup.create_all()
        yield setup


def invoke_in_background(client: Any, name: str, event: dict) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["response"], outcome["payload"] = invoke_json(client, name, event)
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_python_breakpoint_with_the_timeout_lifted_and_one_environment(debugged: Debugged) -> None:
    client = client_for(debugged.gateway.url, read_timeout=120)
    name, local_file = debugged.names["py"], str(debugged.dirs["py"] / "index.py")
    invoking, outcome = invoke_in_background(client, name, {"a": 6, "b": 7})
    # wait-for-attach: the runtime waits for this client before loading the handler.
    dap = DapClient("127.0.0.1", debugged.ports["py"])
    try:
        dap.attach({local_file: [PYTHON_BREAK_LINE]}, debugged.path_mappings("py"))
        stopped = dap.wait_event("stopped")
        paused_at = time.monotonic()
        assert stopped["reason"] == "breakpoint"
        frame = dap.top_frame(stopped["threadId"])
        assert (frame["name"], frame["line"], frame["source"]["path"]) == ("handler", PYTHON_BREAK_LINE, local_file)
        local_variables = dap.top_frame_locals(stopped["threadId"])
        assert local_variables["answer"] == "42"
        assert json.loads(local_variables["event"].replace("'", '"')) == {"a": 6, "b": 7}

        # While the one environment is paused, another invocation is throttled at once.
        with pytest.raises(ClientError) as throttled:
            client.invoke(FunctionName=name, Payload=b"{}")
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"

        time.sleep(max(0.0, PAUSE_PAST_TIMEOUT_SECONDS - (time.monotonic() - paused_at)))
        dap.request("continue", threadId=stopped["threadId"])
        invoking.join(30)
    finally:
        dap.close()
    assert "error" not in outcome, outcome
    assert "FunctionError" not in outcome["response"]
    assert outcome["payload"]["answer"] == 42
    assert outcome["seconds"] > PAUSE_PAST_TIMEOUT_SECONDS  # paused past Timeout=1, still answered
    assert outcome["payload"]["remaining_ms"] > 1000  # the context's deadline is lifted too


def test_node_breakpoint_through_the_inspector_websocket(debugged: Debugged) -> None:
    client = client_for(debugged.gateway.url, read_timeout=120)
    invoking, outcome = invoke_in_background(client, debugged.names["node"], {"a": 6, "b": 7})
    inspector = CdpClient("127.0.0.1", debugged.ports["node"])
    try:
        inspector.call("Debugger.enable")
        inspector.call("Debugger.setBreakpointByUrl", lineNumber=NODE_BREAK_LINE, urlRegex=r"app\.mjs$")
        inspector.call("Runtime.runIfWaitingForDebugger")
        paused = inspector.wait_event("Debugger.paused")
        paused_at = time.monotonic()
        assert paused["hitBreakpoints"], paused
        frame = paused["callFrames"][0]
        assert frame["location"]["lineNumber"] == NODE_BREAK_LINE
        answer = inspector.call("Debugger.evaluateOnCallFrame", callFrameId=frame["callFrameId"], expression="answer")
        assert answer["result"]["value"] == 42
        time.sleep(max(0.0, PAUSE_PAST_TIMEOUT_SECONDS - (time.monotonic() - paused_at)))
        inspector.call("Debugger.resume")
        invoking.join(30)
    finally:
        inspector.close()
    assert "error" not in outcome, outcome
    assert "FunctionError" not in outcome["response"]
    assert outcome["payload"]["answer"] == 42
    assert outcome["payload"]["remainingMs"] > 1000


def test_a_hot_reload_edit_restarts_the_environment_on_the_same_port(debugged: Debugged) -> None:
    """LAMBDA_DEBUG_PORT without waiting: the function runs until a debugger
    attaches; an edit of its hot-reload directory gives a new environment
    listening on the same port, where a debugger stops in the new code. Then
    another function takes the shared port."""
    client = client_for(debugged.gateway.url, read_timeout=120)
    name, code = debugged.names["hot"], debugged.dirs["hot"] / "index.py"
    assert invoke_json(client, name, {"a": 6, "b": 7})[1]["answer"] == 42  # no debugger attached: it just runs
    code.write_text(PYTHON_HANDLER.replace("OFFSET = 0", "OFFSET = 100"))
    wait_until(lambda: invoke_json(client, name, {"a": 6, "b": 7})[1]["answer"] == 142, timeout=15,
               message="the edit is live")

    dap = DapClient("127.0.0.1", debugged.ports["hot"])
    try:
        dap.attach({str(code): [PYTHON_BREAK_LINE]}, debugged.path_mappings("hot"))
        invoking, outcome = invoke_in_background(client, name, {"a": 2, "b": 3})
        stopped = dap.wait_event("stopped")
        assert dap.top_frame_locals(stopped["threadId"])["answer"] == "106"
        dap.request("continue", threadId=stopped["threadId"])
        invoking.join(30)
    finally:
        dap.close()
    assert outcome["payload"]["answer"] == 106, outcome

    # Another function sharing LAMBDA_DEBUG_PORT: its environment takes the port
    # (the idle one that held it ends, and with it this debugger session).
    other = debugged.dirs["other"] / "index.py"
    assert invoke_json(client, debugged.names["other"], {"a": 1, "b": 1})[1]["answer"] == 1
    dap = DapClient("127.0.0.1", debugged.ports["hot"])
    try:
        dap.attach({str(other): [PYTHON_BREAK_LINE]}, debugged.path_mappings("other"))
        invoking, outcome = invoke_in_background(client, debugged.names["other"], {"a": 4, "b": 5})
        stopped = dap.wait_event("stopped")
        assert dap.top_frame(stopped["threadId"])["source"]["path"] == str(other)
        assert dap.top_frame_locals(stopped["threadId"])["answer"] == "20"
        dap.request("continue", threadId=stopped["threadId"])
        invoking.join(30)
    finally:
        dap.close()
    assert outcome["payload"]["answer"] == 20, outcome


def test_a_function_without_a_debug_port_cannot_import_debugpy(debugged: Debugged) -> None:
    _, payload = invoke_json(client_for(debugged.gateway.url), debugged.names["plain"])
    assert payload["debugpy"] is False
    assert payload["remaining_ms"] > 1000  # Timeout=1, lifted by its entry
    assert not [entry for entry in payload["path"] if entry.startswith("/var/debugger") or "debugpy" in entry]
