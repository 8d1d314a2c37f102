"""5-4 Invoke returning null: the echo target receives and returns None."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["ECHO_FUNCTION"], None)
