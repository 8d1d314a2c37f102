"""5-5 Invoke target fails: the InvokeError is not caught, the execution fails."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["FAIL_FUNCTION"], {"reason": "fail"})
