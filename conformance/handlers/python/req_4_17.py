"""4-17 Callback A awaited, then callback B created and awaited."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first = context.create_callback(name=event[0]).result()
    second = context.create_callback(name=event[1]).result()
    return [first, second]
