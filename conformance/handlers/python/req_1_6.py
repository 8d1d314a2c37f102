"""1-6 Custom serdes on a step: strings are upper-cased when serialized."""
import json

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class UppercaseSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps(value.upper() if isinstance(value, str) else value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return json.loads(data)


@durable_step
def return_input(step_context: StepContext, value: str) -> str:
    return value


@durable_execution
def handler(event, context: DurableContext):
    return context.step(return_input(event), config=StepConfig(serdes=UppercaseSerDes()))
