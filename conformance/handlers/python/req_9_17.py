"""9-17 Map then a 1-second wait: the replay skips the completed map."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig


@durable_execution
def handler(event, context: DurableContext):
    result = context.map(["a", "b"], lambda ctx, item, index, items: item.upper(), name="then-wait",
                         config=MapConfig(max_concurrency=1))
    context.wait(Duration.from_seconds(1))
    return result.get_results()
