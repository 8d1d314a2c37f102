"""5-10 A failed invoke caught, then a wait: the replay re-throws the cached error, caught again."""
import os

from aws_durable_execution_sdk_python import DurableContext, InvokeError, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    try:
        outcome = context.invoke(os.environ["FAIL_FUNCTION"], {"reason": "fail"})
    except InvokeError:
        outcome = "caught"
    context.wait(Duration.from_seconds(1))
    return outcome
