"""1-18 AtMostOncePerRetry with retry: the first attempt crashes the runtime, the retry succeeds."""
import os

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def crash_once(step_context: StepContext, value: str) -> str:
    step_context.logger.info(f"step attempt {step_context.attempt} for {value}")
    if step_context.attempt == 1:
        os._exit(1)
    return "succeeded on second attempt"


RETRY = create_retry_strategy(RetryStrategyConfig(
    max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))


@durable_execution
def handler(event, context: DurableContext):
    config = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, retry_strategy=RETRY)
    return context.step(crash_once(event), config=config)
