"""8-10 Parallel tolerating one failure: two failures stop it before the third branch."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=1))
    result = context.parallel([fail, fail, lambda ctx: "never"], name="exceeded", config=config)
    return project(result, "completionReason", "successCount", "failureCount", "totalCount")
