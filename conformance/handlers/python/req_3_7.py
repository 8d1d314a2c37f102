"""3-7 Child context with a step that fails once and succeeds on its retry."""
from aws_durable_execution_sdk_python import (DurableContext, StepContext, durable_execution, durable_step,
                                              durable_with_child_context)
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))


@durable_step
def flaky(step_context: StepContext, value: str) -> str:
    if step_context.attempt == 1:
        raise RuntimeError("first attempt fails")
    return value


@durable_with_child_context
def with_retry(child: DurableContext, value: str) -> str:
    return child.step(flaky(value), config=StepConfig(retry_strategy=RETRY))


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(with_retry(event))
