"""9-6 Map fail-fast, then the batch result re-raises the item failure: the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, MapConfig


def process(ctx, item, index, items):
    if item == "fail":
        raise RuntimeError("item failed")
    return item


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=0))
    result = context.map(["fail", "never"], process, name="throwing", config=config)
    result.throw_if_error()
    return result.get_results()
