"""4-5 Heartbeat keeps a callback (10-second heartbeat timeout) alive until its success."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration


@durable_execution
def handler(event, context: DurableContext):
    config = CallbackConfig(heartbeat_timeout=Duration.from_seconds(10))
    return context.create_callback(name=event, config=config).result()
