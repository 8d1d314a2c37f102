"""7-11 Wait-for-callback whose payload is read as a JSON object; the handler returns its "status"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import WaitForCallbackConfig
from aws_durable_execution_sdk_python.serdes import JsonSerDes


def submit(callback_id: str, submitter_context) -> None:
    print(f"callback to complete: {callback_id}")


@durable_execution
def handler(event, context: DurableContext):
    result = context.wait_for_callback(submit, name=event, config=WaitForCallbackConfig(serdes=JsonSerDes()))
    return result["status"]
