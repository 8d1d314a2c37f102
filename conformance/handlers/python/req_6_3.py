"""6-3 Wait-for-condition named "poll-status": a counter polled until it reaches 2."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


@durable_execution
def handler(event, context: DurableContext):
    def strategy(state: int, attempts_made: int) -> WaitForConditionDecision:
        if state < 2:
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
        return WaitForConditionDecision.stop_polling()

    return context.wait_for_condition(lambda state, _: state + 1, name="poll-status",
                                      config=WaitForConditionConfig(wait_strategy=strategy, initial_state=0))
