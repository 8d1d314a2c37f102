"""5-6 Invoke target fails, caught: the handler returns a fallback."""
import os

from aws_durable_execution_sdk_python import DurableContext, InvokeError, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.invoke(os.environ["FAIL_FUNCTION"], {"reason": "fail"})
    except InvokeError:
        return "fallback"
