"""1-9 Replay skips a succeeded step: its checkpointed result is returned without running it."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration


@durable_step
def produce(step_context: StepContext) -> str:
    step_context.logger.info("step executed")
    return "cached_value"


@durable_execution
def handler(event, context: DurableContext):
    result = context.step(produce())
    context.wait(Duration.from_seconds(1))
    return result
