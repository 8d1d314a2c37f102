"""7-8 Wait-for-callback inside a child context named "wrapper"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(lambda child: child.wait_for_callback(submit, name=event), name="wrapper")
