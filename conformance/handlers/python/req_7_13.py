"""7-13 Wait-for-callback with a 10-second heartbeat timeout: a heartbeat, then a success."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submit, name=event,
                                     config=WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(10)))
