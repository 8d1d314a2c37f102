"""1-19 Step with error: always raises, no retries; the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def failing(step_context: StepContext) -> str:
    raise RuntimeError("step failed")


@durable_execution
def handler(event, context: DurableContext):
    return context.step(failing(), config=StepConfig(retry_strategy=RetryPresets.none()))
