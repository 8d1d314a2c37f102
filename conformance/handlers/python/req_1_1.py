"""1-1 Step basic: one step turns the input into a greeting."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    return f"Hello, {name}!"


@durable_execution
def handler(event, context: DurableContext):
    return context.step(greet(event))
