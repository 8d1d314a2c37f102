"""3-15 Child context raising directly, without any durable operation."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context


@durable_with_child_context
def raising(child: DurableContext) -> str:
    raise RuntimeError("child body failed")


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(raising())
