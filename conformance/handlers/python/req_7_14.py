"""7-14 Wait-for-callback timing out after 3 seconds, caught: the handler returns "timed-out-handled"."""
from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_callback(submit, name=event,
                                         config=WaitForCallbackConfig(timeout=Duration.from_seconds(3)))
    except CallbackError:
        return "timed-out-handled"
