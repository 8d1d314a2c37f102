"""8-4 Parallel branches returning a string, a number and an object."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: "hello", lambda ctx: 42, lambda ctx: {"k": "v"}]
    return context.parallel(branches, name="hetero", config=ParallelConfig(max_concurrency=1)).get_results()
