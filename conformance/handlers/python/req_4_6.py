"""4-6 The external system reports failure; the handler does not catch it."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.create_callback(name=event).result()
