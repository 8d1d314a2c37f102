"""1-17 AtMostOncePerRetry, no retry: the step crashes the runtime; the replay fails it as interrupted."""
import os

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def at_most_once_flaky_step(step_context: StepContext, value: str) -> str:
    step_context.logger.info(f"step running for {value}")
    os._exit(1)


@durable_execution
def handler(event, context: DurableContext):
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, retry_strategy=RetryPresets.none())
    return context.step(at_most_once_flaky_step(event), config=config)
