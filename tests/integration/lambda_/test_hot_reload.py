"""Hot reloading: a function whose code is a local directory (S3Bucket
``hot-reload``, S3Key the directory) runs edits without a redeploy."""

from __future__ import annotations

import json

from .conftest import client_for, unique, wait_active, wait_until

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def _invoke(client, name: str):
    return json.loads(client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())


def test_edits_reach_the_next_invocation(gateway_url, tmp_path):
    client = client_for(gateway_url)
    handler = tmp_path / "index.py"
    handler.write_text("def handler(event, context):\n    return 'v1'\n")
    name = unique("hot")
    client.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="index.handler",
                           Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)})
    wait_active(client, name)
    assert _invoke(client, name) == "v1"

    handler.write_text("def handler(event, context):\n    return 'v2'\n")
    assert wait_until(lambda: _invoke(client, name) == "v2", timeout=10, interval=0.1, message="the edit runs")

    (tmp_path / "helper.py").write_text("VALUE = 'v3'\n")
    handler.write_text("from helper import VALUE\ndef handler(event, context):\n    return VALUE\n")
    assert wait_until(lambda: _invoke(client, name) == "v3", timeout=10, interval=0.1, message="a new file runs")
