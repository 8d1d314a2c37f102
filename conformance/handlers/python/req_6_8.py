"""6-8 Wait-for-condition whose check raises, caught by the handler, which returns "recovered"."""
from aws_durable_execution_sdk_python import DurableContext, WaitForConditionError, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


def check(state, check_context):
    raise RuntimeError("status endpoint unavailable")


def strategy(state, attempts_made: int) -> WaitForConditionDecision:
    return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))


@durable_execution
def handler(event, context: DurableContext):
    try:
        return context.wait_for_condition(check,
                                          config=WaitForConditionConfig(wait_strategy=strategy, initial_state=0))
    except WaitForConditionError:
        return "recovered"
