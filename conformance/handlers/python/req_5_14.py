"""5-14 Two sequential invokes, each suspending and resuming the execution."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first = context.invoke(os.environ["ECHO_FUNCTION"], {"call": 1})
    second = context.invoke(os.environ["ECHO_FUNCTION"], {"call": 2})
    return [first, second]
