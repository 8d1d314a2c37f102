"""7-3 Wait-for-callback with only an anonymous submitter and no name."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(lambda callback_id, submitter_context: None)
