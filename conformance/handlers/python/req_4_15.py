"""4-15 Custom serdes reads the callback's JSON into an object whose timestamp becomes epoch seconds."""
import json
from datetime import datetime

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class ReceivedSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        raw = json.loads(data)
        stamp = datetime.fromisoformat(raw["timestamp"].replace("Z", "+00:00"))
        return {"id": raw["id"], "message": raw["message"], "timestamp": int(stamp.timestamp())}


@durable_execution
def handler(event, context: DurableContext):
    received = context.create_callback(name=event, config=CallbackConfig(serdes=ReceivedSerDes())).result()
    return {"received": received}
