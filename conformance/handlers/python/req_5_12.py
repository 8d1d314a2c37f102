"""5-12 Invoke then step: the step processes the invoke result."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    result = context.invoke(os.environ["ECHO_FUNCTION"], {"value": 21})
    return context.step(lambda _: {"processed": result["value"] * 2})
