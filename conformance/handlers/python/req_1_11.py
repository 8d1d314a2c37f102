"""1-11 Step with retry: fails on the first attempt, succeeds on the second."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


@durable_step
def unreliable(step_context: StepContext) -> str:
    if step_context.attempt < 2:
        raise RuntimeError(f"attempt {step_context.attempt} failed")
    return "Operation succeeded"


RETRY = create_retry_strategy(RetryStrategyConfig(
    max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))


@durable_execution
def handler(event, context: DurableContext):
    return context.step(unreliable(), config=StepConfig(retry_strategy=RETRY))
