"""4-18 Callbacks A and B created, then A awaited, then B."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback_a = context.create_callback(name=event[0])
    callback_b = context.create_callback(name=event[1])
    return [callback_a.result(), callback_b.result()]
