"""A queued event runs against the function as it is when it runs: code updated
while the event waited (held back by reserved concurrency 0) is the code that
handles it; a deleted function's queued events are discarded."""

from __future__ import annotations

from .conftest import client_for, create_function, python_zip, unique, wait_until, wait_updated

CODE = """import os, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=event["queue"], MessageBody="{version}")
"""


def test_queued_event_runs_the_code_of_the_moment(gateway_url):
    client = client_for(gateway_url)
    sqs = client_for(gateway_url, "sqs")
    queue = sqs.create_queue(QueueName=unique("async-current"))["QueueUrl"]
    name = create_function(client, "python", zip_bytes=python_zip(CODE.format(version="old")), Timeout=10)
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)

    client.invoke(FunctionName=name, InvocationType="Event", Payload=f'{{"queue": "{queue}"}}'.encode())
    client.update_function_code(FunctionName=name, ZipFile=python_zip(CODE.format(version="new")))
    wait_updated(client, name)
    client.delete_function_concurrency(FunctionName=name)

    def received():
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        return [m["Body"] for m in messages]

    assert wait_until(received, timeout=20, message="the queued event ran") == ["new"]
