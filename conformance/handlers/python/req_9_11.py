"""9-11 Map with max-concurrency 2: results come back in item order."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


@durable_execution
def handler(event, context: DurableContext):
    return context.map(["r0", "r1", "r2"], lambda ctx, item, index, items: item, name="concurrent",
                       config=MapConfig(max_concurrency=2)).get_results()
