"""7-10 A 1-second wait, a top-level step, then a wait-for-callback named after the input."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(1))
    context.step(lambda _: {"fixed": "data"})
    return context.wait_for_callback(submit, name=event)
