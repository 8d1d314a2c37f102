"""1-10 Replay re-throws a failed step: caught on the first run and again on replay."""
from aws_durable_execution_sdk_python import (DurableContext, StepContext, StepError, durable_execution,
                                              durable_step)
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def fail(step_context: StepContext) -> str:
    step_context.logger.info("step executed")
    raise RuntimeError("permanent failure")


@durable_execution
def handler(event, context: DurableContext):
    try:
        context.step(fail(), config=StepConfig(retry_strategy=RetryPresets.none()))
        outcome = "no error"
    except StepError as error:
        outcome = f"caught: {error}"
    context.wait(Duration.from_seconds(1))
    return outcome
