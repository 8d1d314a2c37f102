"""9-1 Map basic: "map" over the input, each iteration one greeting step, one at a time."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig


def greet(ctx: DurableContext, item: str, index: int, items: list) -> str:
    return ctx.step(lambda _: f"Hello, {item}!")


@durable_execution
def handler(event, context: DurableContext):
    return context.map(event, greet, name="map", config=MapConfig(max_concurrency=1)).get_results()
