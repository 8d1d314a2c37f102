"""3-5 Child context error caught: the handler catches it and a recovery step returns the input."""
from aws_durable_execution_sdk_python import ChildContextError, DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


def failing(_):
    raise RuntimeError("inner step failed")


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.run_in_child_context(
            lambda child: child.step(failing, config=StepConfig(retry_strategy=RetryPresets.none())))
    except ChildContextError:
        pass
    return context.step(lambda _: event)
