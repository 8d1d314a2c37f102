"""7-6 Wait-for-callback answered with a failure the handler catches, returning "recovered"."""
from aws_durable_execution_sdk_python import CallbackError, DurableContext, durable_execution


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_callback(submit, name=event)
    except CallbackError:
        return "recovered"
