"""9-9 Map tolerating one failure: two failures stop it before the third item."""
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
    result = context.map(["fail", "fail", "never"], process, name="exceeded", config=config)
    return project(result, "completionReason", "successCount", "failureCount", "totalCount")
