"""A queued event runs against the function as it is when it runs: the code and
configuration updated while the event waited (held back by reserved concurrency
1, its only slot taken) are what handle it.

(Reserved concurrency 0 cannot hold an event back: AWS sends it to the failure
destination at once, see test_async_invoke.py.)
"""

from __future__ import annotations

import http.server
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .conftest import client_for, create_function, python_zip, unique, wait_until, wait_updated

CODE = """import json, os, urllib.request, boto3
def handler(event, context):
    if "hold" in event:  # keeps the function's only slot until the test lets go
        urllib.request.urlopen(event["hold"], timeout=25).read()
        return "held"
    boto3.client("sqs").send_message(QueueUrl=event["queue"],
                                     MessageBody=json.dumps({"code": "VERSION", "setting": os.environ["SETTING"]}))
"""


class Gate:
    """A loopback URL whose GET blocks until ``release`` (the function holds its slot meanwhile)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.opened = threading.Event()
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                gate.arrived.set()
                gate.opened.wait(25)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hold"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.opened.set()
        self._server.shutdown()
        self._server.server_close()


def test_queued_event_runs_the_code_and_configuration_of_the_moment(gateway_url):
    client = client_for(gateway_url)
    sqs = client_for(gateway_url, "sqs")
    queue = sqs.create_queue(QueueName=unique("async-current"))["QueueUrl"]
    name = create_function(client, "python", zip_bytes=python_zip(CODE.replace("VERSION", "old")), Timeout=30,
                           Environment={"Variables": {"SETTING": "old"}})
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    gate = Gate()
    try:
        with ThreadPoolExecutor(1) as pool:
            holding = pool.submit(client.invoke, FunctionName=name, Payload=json.dumps({"hold": gate.url}).encode())
            assert gate.arrived.wait(20), "the holding invocation started"
            assert client.invoke(FunctionName=name, InvocationType="Event",
                                 Payload=json.dumps({"queue": queue}).encode())["StatusCode"] == 202
            client.update_function_code(FunctionName=name, ZipFile=python_zip(CODE.replace("VERSION", "new")))
            wait_updated(client, name)
            client.update_function_configuration(FunctionName=name, Environment={"Variables": {"SETTING": "new"}})
            wait_updated(client, name)
            assert not sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages"), "still queued"
            gate.opened.set()
            assert json.loads(holding.result()["Payload"].read()) == "held"
    finally:
        gate.close()

    def received():
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    assert wait_until(received, timeout=20, message="the queued event ran") == [{"code": "new", "setting": "new"}]
