"""3-2 Child context with name: named after the input's "name", its step returns "value"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(lambda child: child.step(lambda _: event["value"]), name=event["name"])
