"""5-9 Invoke then wait: on the replay after the wait the invoke result comes from the checkpoint."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    result = context.invoke(os.environ["ECHO_FUNCTION"], {"value": "echo me"})
    context.wait(Duration.from_seconds(1))
    return result
