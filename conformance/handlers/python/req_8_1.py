"""8-1 Parallel basic: "parallel" with two branches, each one step, one at a time."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: ctx.step(lambda _: "task-1"), lambda ctx: ctx.step(lambda _: "task-2")]
    return context.parallel(branches, name="parallel", config=ParallelConfig(max_concurrency=1)).get_results()
