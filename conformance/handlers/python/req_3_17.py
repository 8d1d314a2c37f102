"""3-17 Child context that only logs (replay logging enabled), then a wait: the child is not re-run on replay."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context
from aws_durable_execution_sdk_python.config import Duration


@durable_with_child_context
def log_only(child: DurableContext, value: str) -> str:
    child.logger.with_is_replaying(lambda: False).info(f"child body ran for {value}")
    return value


@durable_execution
def handler(event, context: DurableContext):
    result = context.run_in_child_context(log_only(event))
    context.wait(Duration.from_seconds(1))
    return result
