"""9-8 Map tolerating one failure: all three items run, one fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig

from projection import project


def process(ctx, item, index, items):
    if item == "fail":
        raise RuntimeError("item failed")
    return item


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=1))
    result = context.map(["a", "fail", "c"], process, name="tolerant", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
