"""9-18 Map with a tolerated failure, then a 1-second wait: the replay skips the map, failed item included."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, Duration, MapConfig

from projection import project


def process(ctx, item, index, items):
    if item == "fail":
        raise RuntimeError("item failed")
    return item


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=1))
    result = context.map(["ok", "fail"], process, name="failed-then-wait", config=config)
    context.wait(Duration.from_seconds(1))
    return project(result, "completionReason", "status", "successCount", "failureCount", "totalCount")
