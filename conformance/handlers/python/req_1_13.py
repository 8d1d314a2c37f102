"""1-13 Default retry strategy: fails twice, succeeds on the third attempt, no retry config."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def unreliable(step_context: StepContext) -> str:
    if step_context.attempt < 3:
        raise RuntimeError(f"attempt {step_context.attempt} failed")
    return "succeeded on third attempt"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(unreliable())
