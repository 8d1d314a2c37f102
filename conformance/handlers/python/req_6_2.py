"""6-2 Wait-for-condition already satisfied on the first check (initial state 5)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


@durable_execution
def handler(event, context: DurableContext):
    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state >= 5:
            return WaitForConditionDecision.stop_polling()
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))

    return context.wait_for_condition(lambda state, _: state,
                                      config=WaitForConditionConfig(wait_strategy=strategy, initial_state=5))
