"""6-10 Wait-for-condition whose check returns None; the strategy stops at once."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


def strategy(state, attempts_made: int) -> WaitForConditionDecision:
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_condition(lambda state, _: None,
                                      config=WaitForConditionConfig(wait_strategy=strategy, initial_state=None))
