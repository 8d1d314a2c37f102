"""4-16 Custom serdes turns the callback payload into a number."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext


class NumberSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return str(value)

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return int(data.strip().strip('"'))


@durable_execution
def handler(event, context: DurableContext):
    count = context.create_callback(name=event, config=CallbackConfig(serdes=NumberSerDes())).result()
    return {"count": count, "doubled": count * 2}
