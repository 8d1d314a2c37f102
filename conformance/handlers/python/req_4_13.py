"""4-13 Catch a callback failure, wait 2 seconds, return the error message."""
from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    try:
        message = context.create_callback(name=event).result()
    except CallbackError as error:
        message = f"callback failed: {error}"
    context.wait(Duration.from_seconds(2))
    return message
