"""8-11 Parallel with max-concurrency 2: results come back in branch order."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: "r0", lambda ctx: "r1", lambda ctx: "r2"]
    return context.parallel(branches, name="concurrent", config=ParallelConfig(max_concurrency=2)).get_results()
