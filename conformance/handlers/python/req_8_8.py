"""8-8 Parallel with min-successful 2: stops after two of four branches succeed."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig

from projection import project


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(min_successful=2))
    branches = [lambda ctx: "b0", lambda ctx: "b1", lambda ctx: "b2", lambda ctx: "b3"]
    result = context.parallel(branches, name="min-successful", config=config)
    return project(result, "completionReason", "successCount", "totalCount")
