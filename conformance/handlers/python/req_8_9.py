"""8-9 Parallel tolerating one failure: all three branches run, one fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=1))
    result = context.parallel([lambda ctx: "b0", fail, lambda ctx: "b2"], name="tolerant", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
