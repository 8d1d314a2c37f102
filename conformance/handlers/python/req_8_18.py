"""8-18 Parallel with min-successful 3 and one tolerated failure: two failures stop it first."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    completion = CompletionConfig(min_successful=3, tolerated_failure_count=1)
    config = ParallelConfig(max_concurrency=1, completion_config=completion)
    result = context.parallel([fail, fail, lambda ctx: "b2", lambda ctx: "b3"], name="combined", config=config)
    return project(result, "completionReason", "successCount", "failureCount", "totalCount")
