"""5-11 Step then invoke: the step's result is the invoke payload."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    prepared = context.step(lambda _: {"prepared": True})
    return context.invoke(os.environ["ECHO_FUNCTION"], prepared)
