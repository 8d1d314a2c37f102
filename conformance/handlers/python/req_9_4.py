"""9-4 Map over no items completes at once."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.map(event, lambda ctx, item, index, items: item, name="empty").get_results()
