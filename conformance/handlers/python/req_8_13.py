"""8-13 Parallel tolerating 25 % failures of four branches: two failures (50 %) stop it."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1,
                            completion_config=CompletionConfig(tolerated_failure_percentage=25))
    result = context.parallel([fail, fail, lambda ctx: "b2", lambda ctx: "b3"], name="percentage", config=config)
    return project(result, "completionReason", "successCount", "failureCount", "totalCount")
