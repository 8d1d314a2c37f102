"""5-1 Invoke basic: the echo target returns the input, the handler returns the invoke result."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["ECHO_FUNCTION"], event)
