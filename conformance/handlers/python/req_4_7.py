"""4-7 Create callback, run a step, then await the callback, which fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback = context.create_callback(name=event)
    context.step(lambda _: "submitted")
    return callback.result()
