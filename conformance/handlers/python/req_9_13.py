"""9-13 Map with an item namer naming each iteration "item-<item>"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return context.map(event, lambda ctx, item, index, items: item * 10, name="named-items",
                       config=config).get_results()
