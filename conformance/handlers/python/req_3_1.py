"""3-1 Child context basic: a child context runs one step returning the input."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(lambda child: child.step(lambda _: event))
