"""5-13 Invoke inside a child context."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.run_in_child_context(lambda child: child.invoke(os.environ["ECHO_FUNCTION"], {"in": "child"}))
