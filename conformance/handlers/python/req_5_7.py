"""5-7 Invoke with a large payload (200 KiB) the echo target returns."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    payload = {"blob": "x" * (200 * 1024)}
    result = context.invoke(os.environ["ECHO_FUNCTION"], payload)
    return len(result["blob"])
