"""9-3 Map using each item's index: item + index."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


@durable_execution
def handler(event, context: DurableContext):
    return context.map(event, lambda ctx, item, index, items: item + index, name="indexed",
                       config=MapConfig(max_concurrency=1)).get_results()
