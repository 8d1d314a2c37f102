"""9-16 Map of four ~70 KB results: the whole result is too large to checkpoint (replay children)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig

from projection import project


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(["a", "b", "c", "d"], lambda ctx, item, index, items: item * (70 * 1024), name="large",
                         config=MapConfig(max_concurrency=1))
    return project(result, "successCount", "totalCount")
