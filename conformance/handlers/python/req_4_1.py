"""4-1 Create callback basic: named after the input, the handler returns its result."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    return callback.result()
