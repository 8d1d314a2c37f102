"""6-9 Wait-for-condition threading an object {status, attempts} until status is DONE."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision


def check(state: dict, check_context) -> dict:
    attempts = state["attempts"] + 1
    return {"status": "DONE" if attempts >= 2 else "PENDING", "attempts": attempts}


def strategy(state: dict, attempts_made: int) -> WaitForConditionDecision:
    if state["status"] == "PENDING":
        return WaitForConditionDecision.continue_waiting(Duration.from_seconds(1))
    return WaitForConditionDecision.stop_polling()


@durable_execution
def handler(event, context: DurableContext):
    config = WaitForConditionConfig(wait_strategy=strategy, initial_state={"status": "PENDING", "attempts": 0})
    return context.wait_for_condition(check, config=config)
