"""8-16 Parallel tolerating three failures where all three branches fail."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=3))
    result = context.parallel([fail, fail, fail], name="all-fail", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
