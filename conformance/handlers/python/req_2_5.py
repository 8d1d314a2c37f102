"""2-5 Wait of one hour: Duration.from_hours(1) checkpoints 3600 seconds."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_hours(1))
    return "waited"
