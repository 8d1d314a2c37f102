"""7-2 Wait-for-callback with the static name "approval"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submit, name="approval")
