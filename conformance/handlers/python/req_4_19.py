"""4-19 Callbacks A and B created, then B awaited, then A."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    callback_a = context.create_callback(name=event[0])
    callback_b = context.create_callback(name=event[1])
    result_b = callback_b.result()
    return [callback_a.result(), result_b]
