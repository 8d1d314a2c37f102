"""5-15 Invoke with a custom payload serdes that upper-cases the outgoing strings."""
import json
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class UppercasePayload(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({key: str(item).upper() for key, item in value.items()})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["ECHO_FUNCTION"], event, config=InvokeConfig(serdes_payload=UppercasePayload()))
