"""The summary several map/parallel requirements return from a BatchResult."""
from aws_durable_execution_sdk_python import BatchResult

FIELDS = {
    "completionReason": lambda result: result.completion_reason.value,
    "status": lambda result: result.status.value,
    "successCount": lambda result: result.success_count,
    "failureCount": lambda result: result.failure_count,
    "totalCount": lambda result: result.total_count,
}


def project(result: BatchResult, *names: str) -> dict:
    return {name: FIELDS[name](result) for name in names}
