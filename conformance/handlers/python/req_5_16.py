"""5-16 Invoke with a custom result serdes that upper-cases the raw result."""
import json
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class UppercaseResult(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return data.upper()


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["ECHO_FUNCTION"], event, config=InvokeConfig(serdes_result=UppercaseResult()))
