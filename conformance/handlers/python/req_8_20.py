"""8-20 Parallel batch-result accessors: succeeded(), failed(), get_errors(), has_failure."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CompletionConfig, ParallelConfig


def fail(ctx):
    raise RuntimeError("branch failed")


@durable_execution
def handler(event, context: DurableContext):
    config = ParallelConfig(max_concurrency=1, completion_config=CompletionConfig(tolerated_failure_count=1))
    result = context.parallel([lambda ctx: "b0", fail, lambda ctx: "b2"], name="accessors", config=config)
    return {"hasFailure": result.has_failure, "successCount": len(result.succeeded()),
            "failureCount": len(result.failed()), "errorCount": len(result.get_errors())}
