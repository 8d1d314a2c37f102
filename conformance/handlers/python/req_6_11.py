"""6-11 Wait-for-condition with a custom serdes for its string state ("x", then "xx")."""
import base64
import json

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


class Base64StateSerDes(SerDes):
    def serialize(self, value, serdes_context: SerDesContext) -> str:
        return json.dumps({"encoded": base64.b64encode(value.encode()).decode()})

    def deserialize(self, data: str, serdes_context: SerDesContext):
        return base64.b64decode(json.loads(data)["encoded"]).decode()


def strategy(state: str, attempts_made: int) -> WaitForConditionDecision:
    if len(state) < 2:
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state="", serdes=Base64StateSerDes())
    return context.wait_for_condition(lambda state, _: state + "x", config=config)
