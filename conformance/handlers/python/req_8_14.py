"""8-14 Parallel whose second branch waits 2 seconds: the replay skips the finished first branch."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, ParallelConfig


def waiting_branch(ctx: DurableContext) -> str:
    ctx.wait(Duration.from_seconds(2))
    return "b1"


@durable_execution
def handler(event, context: DurableContext):
    branches = [lambda ctx: ctx.step(lambda _: "b0"), waiting_branch]
    return context.parallel(branches, name="suspending", config=ParallelConfig(max_concurrency=1)).get_results()
