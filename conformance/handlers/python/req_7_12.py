"""7-12 Wait-for-callback with a 5-second heartbeat timeout and no heartbeat: it times out."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    return context.wait_for_callback(submit, name=event,
                                     config=WaitForCallbackConfig(heartbeat_timeout=Duration.from_seconds(5)))
