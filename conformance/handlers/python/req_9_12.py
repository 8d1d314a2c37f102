"""9-12 Map with FLAT nesting: each item's step sits directly under the Map context."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig, NestingType


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.map(["fa", "fb"], lambda ctx, item, index, items: ctx.step(lambda _: item), name="flat",
                       config=config).get_results()
