"""1-4 Returning a complex object from a step."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


@durable_step
def build_response(step_context: StepContext, event: dict) -> dict:
    return {"user": {"name": event["name"], "tags": list(event["tags"])}, "count": len(event["tags"])}


@durable_execution
def handler(event, context: DurableContext):
    return context.step(build_response(event))
