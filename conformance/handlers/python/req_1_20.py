"""1-20 Error caught and handled: a failed step is caught, a second step runs."""
from aws_durable_execution_sdk_python import (DurableContext, StepContext, StepError, durable_execution,
                                              durable_step)
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets


@durable_step
def failing(step_context: StepContext) -> str:
    raise RuntimeError("step failed")


@durable_step
def fallback(step_context: StepContext) -> str:
    return "fallback_result"


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.step(failing(), config=StepConfig(retry_strategy=RetryPresets.none()))
    except StepError:
        return context.step(fallback())
