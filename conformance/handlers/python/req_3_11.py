"""3-11 Child context large payload (ReplayChildren): its result exceeds the checkpoint limit.

The child logs the input through its logger with replay logging enabled
(``with_is_replaying(lambda: False)``), so its re-execution on replay is visible.
"""
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context
from aws_durable_execution_sdk_python.config import Duration


@durable_with_child_context
def large_result(child: DurableContext, value: str) -> dict:
    child.logger.with_is_replaying(lambda: False).info(f"building large result for {value}")
    small = child.step(lambda _: "x")
    return {"input": value, "blob": small * (300 * 1024)}


@durable_execution
def handler(event, context: DurableContext):
    result = context.run_in_child_context(large_result(event))
    context.wait(Duration.from_seconds(1))
    return len(result["blob"])
