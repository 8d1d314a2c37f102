"""6-13 Two sequential wait-for-conditions: 0 -> 2, then seeded with 2 -> 4."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


def until(threshold: int):
    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state < threshold:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    return strategy


@durable_execution
def handler(event, context: DurableContext):
    first = context.wait_for_condition(lambda state, _: state + 1,
                                       config=WaitForConditionConfig(wait_strategy=until(2), initial_state=0))
    return context.wait_for_condition(lambda state, _: state + 1,
                                      config=WaitForConditionConfig(wait_strategy=until(4), initial_state=first))
