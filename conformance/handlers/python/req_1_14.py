"""1-14 Retry with custom config: 2 s initial delay, backoff 3x, no jitter; fails twice then succeeds.

The attempt count comes from the step context (AWS's description mentions DynamoDB for
SDKs without one).
"""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def unreliable(step_context: StepContext) -> str:
    if step_context.attempt < 3:
        raise RuntimeError(f"attempt {step_context.attempt} failed")
    return "succeeded"


RETRY = create_retry_strategy(RetryStrategyConfig(
    max_attempts=5, initial_delay=Duration.from_seconds(2), backoff_rate=3, jitter_strategy=JitterStrategy.NONE))


@durable_execution
def handler(event, context: DurableContext):
    return context.step(unreliable(), config=StepConfig(retry_strategy=RETRY))
