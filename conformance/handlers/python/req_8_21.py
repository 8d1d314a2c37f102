"""8-21 Parallel whose single branch runs a nested parallel of two steps."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import ParallelConfig


def inner(ctx: DurableContext) -> list:
    branches = [lambda c: c.step(lambda _: "i1"), lambda c: c.step(lambda _: "i2")]
    return ctx.parallel(branches, name="inner", config=ParallelConfig(max_concurrency=1)).get_results()


@durable_execution
def handler(event, context: DurableContext):
    return context.parallel([inner], name="outer", config=ParallelConfig(max_concurrency=1)).get_results()
