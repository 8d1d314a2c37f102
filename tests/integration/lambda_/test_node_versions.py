"""Each ``nodejsNN.x`` runtime runs under Node.js NN when one is found (the
machine's ``node``, or one ``make install`` put under
``<venv>/lambda-runtimes/nodeNN``), else under the machine's node, logged once.

Our bootstrap must work on every major it may run under (16 and 18 included):
ES modules, CommonJS, callbacks, errors, streamed responses.
"""

from __future__ import annotations

import logging
import os

import pytest

from gateway.config import Config
from providers.lambda_.executors import nodes
from providers.lambda_.executors.process import ProcessExecutor

from .conftest import client_for, create_function, invoke_json, node_zip

MACHINE_NODE = nodes.machine_node()
MACHINE_MAJOR = nodes.major_of(nodes.node_version(MACHINE_NODE)) if MACHINE_NODE else None

ESM_VERSION = """
import { execFileSync } from "node:child_process";
export const handler = async () => ({
  version: process.version,
  execPath: process.execPath,
  childVersion: execFileSync("node", ["--version"]).toString().trim(),
});
"""
CJS_CALLBACK = """
exports.handler = (event, context, callback) => {
  if (event.fail) return callback(new TypeError("bad input"));
  setTimeout(() => callback(null, { version: process.version, twice: event.n * 2, id: context.awsRequestId }), 1);
};
"""
STREAMING = """
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType("text/plain");
  responseStream.write("node ");
  await new Promise((resolve) => setTimeout(resolve, 5));
  responseStream.write(process.version);
  responseStream.end();
});
"""


def need_node(major: str) -> str:
    binary = nodes.find_node(major)
    if not binary:
        pytest.skip(f"no Node.js {major} here (machine's node: {MACHINE_NODE} v{MACHINE_MAJOR}); "
                    f"`make install` puts one in {nodes.install_dir(major)}")
    return binary


@pytest.fixture(scope="module")
def client(gateway_url):
    return client_for(gateway_url)


@pytest.mark.parametrize("major", ["16", "18", "22", "24"])
def test_runtime_runs_under_its_node(client, major):
    binary = need_node(major)
    name = create_function(client, "node", runtime=f"nodejs{major}.x", handler="index.handler",
                           zip_bytes=node_zip(ESM_VERSION, filename="index.mjs"))
    response, payload = invoke_json(client, name)
    assert "FunctionError" not in response, payload
    assert payload["version"] == f"v{nodes.node_version(binary)}", payload
    assert payload["execPath"] in ("/var/lang/bin/node", binary), "AWS's path in a sandbox, else the binary's"
    # A `node` the function starts is the same one.
    assert payload["childVersion"] == payload["version"]


def test_nodejs20_runs_under_the_machines_node(client):
    if not MACHINE_NODE:
        pytest.skip("no node on this machine")
    if MACHINE_MAJOR != "20" and nodes.find_node("20"):
        pytest.skip(f"the machine's node is v{MACHINE_MAJOR}: nodejs20.x runs under {nodes.find_node('20')}")
    name = create_function(client, "node", runtime="nodejs20.x", zip_bytes=node_zip(ESM_VERSION, filename="index.mjs"))
    _, payload = invoke_json(client, name)
    assert payload["execPath"] in (MACHINE_NODE, "/var/lang/bin/node") if nodes.installation_prefix(MACHINE_NODE) \
        else payload["execPath"] == MACHINE_NODE, "a system node keeps its path, even in a sandbox"
    assert payload["version"] == f"v{nodes.node_version(MACHINE_NODE)}"


def test_functions_never_see_node_extra_ca_certs(client):
    if "NODE_EXTRA_CA_CERTS" not in os.environ:
        pytest.skip("NODE_EXTRA_CA_CERTS is not set for the gateway here")
    name = create_function(client, "node", runtime="nodejs20.x")
    _, payload = invoke_json(client, name)
    assert "NODE_EXTRA_CA_CERTS" not in payload["env"]


@pytest.mark.parametrize("major", ["16", "18"])
def test_bootstrap_on_older_nodes(client, major):
    """CommonJS (the shared echo handler), callbacks, errors and streaming on Node 16/18."""
    need_node(major)
    runtime = f"nodejs{major}.x"
    echo = create_function(client, "node", runtime=runtime, Environment={"Variables": {"MY_VARIABLE": "v"}})
    _, payload = invoke_json(client, echo, {"hello": "world"}, ClientContext="eyJjdXN0b20iOnsiYSI6MX19")
    assert payload["event"] == {"hello": "world"}
    assert payload["env"]["MY_VARIABLE"] == "v"
    assert payload["client_context"]["custom"] == {"a": 1}
    response, error = invoke_json(client, echo, {"action": "error", "message": "kaput"})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Error" and error["errorMessage"] == "kaput"

    callback = create_function(client, "node", runtime=runtime, zip_bytes=node_zip(CJS_CALLBACK))
    _, payload = invoke_json(client, callback, {"n": 21})
    assert payload["twice"] == 42 and payload["version"].startswith(f"v{major}.")
    response, error = invoke_json(client, callback, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "TypeError" and error["errorMessage"] == "bad input"

    streaming = create_function(client, "node", runtime=runtime, zip_bytes=node_zip(STREAMING, filename="index.mjs"))
    response = client.invoke_with_response_stream(FunctionName=streaming, Payload=b"{}")
    chunks = [event["PayloadChunk"]["Payload"] for event in response["EventStream"] if "PayloadChunk" in event]
    assert b"".join(chunks).decode().startswith(f"node v{major}.")


def test_missing_node_falls_back_to_the_machines_node_logged_once(monkeypatch, caplog):
    if not MACHINE_NODE:
        pytest.skip("no node on this machine")
    monkeypatch.setattr(nodes, "find_node", lambda major, configured=None: None)
    executor = ProcessExecutor(Config.from_env({}))
    try:
        with caplog.at_level(logging.INFO, logger="lambda.executor.layout"):
            assert executor.runtimes.resolve("nodejs16.x").binary == MACHINE_NODE
            assert executor.runtimes.resolve("nodejs16.x").binary == MACHINE_NODE
            assert executor.supports("nodejs16.x", "Zip") is None
        lines = [r.getMessage() for r in caplog.records if "nodejs16.x" in r.getMessage()]
        assert len(lines) == 1 and "machine's Node.js" in lines[0], lines
    finally:
        executor.shutdown()


def test_runtime_interpreters_variable_names_the_node(special_gateway):
    """``LAMBDA_RUNTIME_INTERPRETERS`` points a runtime at an interpreter of the user's choice."""
    binary = need_node("22")
    gateway = special_gateway(LAMBDA_RUNTIME_INTERPRETERS=f"nodejs18.x={binary}")
    client = client_for(gateway.url)
    name = create_function(client, "node", runtime="nodejs18.x", handler="index.handler",
                           zip_bytes=node_zip(ESM_VERSION, filename="index.mjs"))
    _, payload = invoke_json(client, name)
    assert payload["version"] == f"v{nodes.node_version(binary)}"

