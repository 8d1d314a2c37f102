"""8-12 Parallel with FLAT nesting: the branches' steps sit directly under the Parallel context."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import NestingType, ParallelConfig


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: ctx.step(lambda _: "fa"), lambda ctx: ctx.step(lambda _: "fb")]
    config = ParallelConfig(max_concurrency=1, nesting_type=NestingType.FLAT)
    return context.parallel(branches, name="flat", config=config).get_results()
