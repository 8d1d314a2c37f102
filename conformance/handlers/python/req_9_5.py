"""9-5 Map fail-fast (tolerated failures 0): item 1 fails, item 2 never starts."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig

from projection import project


def process(ctx, item, index, items):
    if item == "fail":
        raise RuntimeError("item failed")
    return item


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=0))
    result = context.map(["ok", "fail", "never"], process, name="failfast", config=config)
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
