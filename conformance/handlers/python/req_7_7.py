"""7-7 Wait-for-callback whose submitter always raises: 2 attempts 1 s apart, then the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, JitterStrategy, WaitForCallbackConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

RETRY = create_retry_strategy(RetryStrategyConfig(
    max_attempts=2, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE))


def submit(callback_id: str, submitter_context) -> None:
    raise RuntimeError("could not reach the approval system")


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submit, name=event, config=WaitForCallbackConfig(retry_strategy=RETRY))
