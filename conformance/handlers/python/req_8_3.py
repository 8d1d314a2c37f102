"""8-3 Parallel with named branches "first" and "second"."""
from aws_durable_execution_sdk_python import DurableContext, ParallelBranch, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [ParallelBranch(func=lambda ctx: "one", name="first"),
                ParallelBranch(func=lambda ctx: "two", name="second")]
    return context.parallel(branches, name="named", config=ParallelConfig(max_concurrency=1)).get_results()
