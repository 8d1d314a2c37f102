"""8-17 Parallel with min-successful 3 that only two branches reach: all three run."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(min_successful=3))
    result = context.parallel([lambda ctx: "b0", fail, lambda ctx: "b2"], name="min-unreached", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
