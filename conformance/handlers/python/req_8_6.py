"""8-6 Parallel fail-fast (tolerated failures 0): the second branch fails, the third never starts."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=0))
    result = context.parallel([lambda ctx: "ok", fail, lambda ctx: "never"], name="failfast", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
