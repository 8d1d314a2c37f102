"""9-14 Map with a per-item serdes (a real round trip: values stored base64-encoded)."""
import base64
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class Base64ItemSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"b64": base64.b64encode(json.dumps(value).encode()).decode()})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(base64.b64decode(json.loads(data)["b64"]))


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, item_serdes=Base64ItemSerDes())
    return context.map(["x", "y"], lambda ctx, item, index, items: item.upper(), name="item-serdes",
                       config=config).get_results()
