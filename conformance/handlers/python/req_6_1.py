"""6-1 Wait-for-condition basic: a counter from 0 polled until it reaches the input (3)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


@durable_execution
def handler(event, context: DurableContext):
    threshold = event

    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state < threshold:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    return context.wait_for_condition(lambda state, _: state + 1,
                                      config=WaitForConditionConfig(wait_strategy=strategy, initial_state=0))
