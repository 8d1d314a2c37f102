"""8-19 Parallel with max-concurrency 0: the SDK rejects it, the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: "b0", lambda ctx: "b1"]
    return context.parallel(branches, name="bad-concurrency", config=ParallelConfig(max_concurrency=0)).get_results()
