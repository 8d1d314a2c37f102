"""9-7 Map with min-successful 2: stops after two of four items succeed."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig

from projection import project


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(min_successful=2))
    result = context.map(["a", "b", "c", "d"], lambda ctx, item, index, items: item, name="min-successful",
                         config=config)
    return project(result, "completionReason", "successCount", "totalCount")
