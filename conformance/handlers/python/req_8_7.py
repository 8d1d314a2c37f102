"""8-7 Parallel fail-fast, then the batch result re-raises the branch failure: the execution fails."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=0))
    result = context.parallel([fail, lambda ctx: "never"], name="throwing", config=config)
    result.throw_if_error()
    return result.get_results()
