"""8-15 Parallel with a per-branch serdes wrapping each result as {"wrapped": value}."""
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class WrappingSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)["wrapped"]


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappingSerDes())
    return context.parallel([lambda ctx: "x", lambda ctx: "y"], name="item-serdes", config=config).get_results()
