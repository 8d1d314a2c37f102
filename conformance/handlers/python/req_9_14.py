"""9-14 Map with a per-item serdes storing each result as "wrapped:<value>" and reading it back."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

PREFIX = "wrapped:"


class WrappedItemSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return PREFIX + value

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return data[len(PREFIX):]


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, item_serdes=WrappedItemSerDes())
    return context.map(["x", "y"], lambda ctx, item, index, items: item.upper(), name="item-serdes",
                       config=config).get_results()
