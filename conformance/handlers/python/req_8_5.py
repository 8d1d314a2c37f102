"""8-5 Parallel with no branches completes at once."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.parallel([], name="empty").get_results()
