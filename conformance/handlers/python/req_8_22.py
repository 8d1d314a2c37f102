"""8-22 Parallel whose failure share equals the tolerated 25 %: all four branches run."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1,
                            completion_config=CompletionConfig(tolerated_failure_percentage=25))
    branches = [fail, lambda ctx: "b1", lambda ctx: "b2", lambda ctx: "b3"]
    result = context.parallel(branches, name="pct-boundary", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
