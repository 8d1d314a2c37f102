"""8-2 Parallel without a name: two branches returning values directly."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: "alpha", lambda ctx: "beta"]
    return context.parallel(branches, config=ParallelConfig(max_concurrency=1)).get_results()
