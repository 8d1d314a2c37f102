"""7-9 Two sequential wait-for-callbacks, "first" then "second"; the handler returns the second result."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    context.wait_for_callback(submit, name="first")
    return context.wait_for_callback(submit, name="second")
