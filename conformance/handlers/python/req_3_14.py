"""3-14 Child context with a custom serdes upper-casing its result."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution, durable_with_child_context
from aws_durable_execution_sdk_python.config import ChildConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class UppercaseSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return str(value).upper()

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return data


@durable_with_child_context
def echo(child: DurableContext, value: str) -> str:
    return child.step(lambda _: value)


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(echo(event), config=ChildConfig(serdes=UppercaseSerDes()))
