"""3-4 Child context error: the inner step fails without retry, the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


def failing(_):
    raise RuntimeError("inner step failed")


@durable_with_child_context
def failing_child(child: DurableContext) -> str:
    return child.step(failing, config=StepConfig(retry_strategy=RetryPresets.none()))


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(failing_child())
