"""3-9 Child context replay: after the wait, the child context returns its cached result."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    result = context.run_in_child_context(lambda child: child.step(lambda _: event))
    context.wait(Duration.from_seconds(1))
    return result
