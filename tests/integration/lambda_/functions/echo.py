"""A multi-purpose Python handler: ``event["action"]`` picks what it does."""

import json
import os
import tempfile
import time

STARTED = time.time()


def _identity():
    """This runtime process: its pid (inside a sandbox, its namespace's) and mount namespace."""
    return f"{os.getpid()}/{os.readlink('/proc/self/ns/mnt')}"


PROCESS = _identity()


def handler(event, context):
    event = event if isinstance(event, dict) else {"value": event}
    action = event.get("action", "echo")
    if action == "error":
        raise Exception(event.get("message", "boom"))
    if action == "sleep":
        time.sleep(event["seconds"])
        return {"slept": event["seconds"], "pid": os.getpid(), "process": PROCESS}
    if action == "exit":
        print("exiting now")
        os._exit(event.get("status", 1))
    if action == "big":
        return "x" * event["size"]
    if action == "print":
        for line in event["lines"]:
            print(line)
        return {"printed": len(event["lines"])}
    if action == "files":
        # Writes a marker in the temporary directory, waits (so concurrent
        # invocations overlap), then reports the markers it sees.
        tmp = tempfile.gettempdir()
        task = os.environ["LAMBDA_TASK_ROOT"]
        with open(os.path.join(tmp, f"marker-{event['marker']}"), "w") as out:
            out.write("x")
        task_writable = os.access(task, os.W_OK)
        time.sleep(event.get("sleep", 0))
        seen = {
            "task": sorted(f for f in os.listdir(task) if f.startswith("marker-")),
            "tmp": sorted(f for f in os.listdir(tmp) if f.startswith("marker-")),
        }
        return {"seen": seen, "tmp": tmp, "task": task, "pid": os.getpid(), "process": PROCESS,
                "task_writable": task_writable}
    if action == "aws":
        return use_aws(event)
    client_context = None
    if context.client_context is not None:
        cc = context.client_context
        client = None
        if cc.client is not None:
            names = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")
            client = {name: getattr(cc.client, name) for name in names}
        client_context = {"custom": cc.custom, "env": cc.env, "client": client}
    return {
        "event": event,
        "pid": os.getpid(),
        "process": PROCESS,
        "started": STARTED,
        "env": dict(os.environ),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_context": client_context,
        "file": __file__,
        "tmp": tempfile.gettempdir(),
    }


def use_aws(event):
    """Calls S3 and SQS with plain boto3: AWS_ENDPOINT_URL points it at the gateway."""
    import boto3

    s3 = boto3.client("s3")
    s3.put_object(Bucket=event["bucket"], Key="from-lambda.txt", Body=b"written by the function")
    body = s3.get_object(Bucket=event["bucket"], Key="from-lambda.txt")["Body"].read().decode()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=event["queue_url"], MessageBody=json.dumps({"from": "lambda"}))
    return {"s3_body": body, "endpoint": os.environ.get("AWS_ENDPOINT_URL")}
