"""4-14 Catch a callback timeout (3 seconds), wait 2 seconds, return."""
from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    try:
        message = context.create_callback(name=event, config=CallbackConfig(timeout=Duration.from_seconds(3))).result()
    except CallbackError as error:
        message = f"callback timed out: {error}"
    context.wait(Duration.from_seconds(2))
    return message
