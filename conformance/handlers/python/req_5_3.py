"""5-3 Invoke returning a complex object: the echo target returns the nested input."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["ECHO_FUNCTION"], event)
