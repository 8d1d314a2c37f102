"""9-15 Map whose second iteration waits 1 second: the replay skips the finished first iteration."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, MapConfig


def process(ctx: DurableContext, item: str, index: int, items: list) -> str:
    if index == 1:
        ctx.wait(Duration.from_seconds(1))
    return ctx.step(lambda _: item)


@durable_execution
def handler(event, context: DurableContext):
    return context.map(["r0", "r1"], process, name="suspending", config=MapConfig(max_concurrency=1)).get_results()
