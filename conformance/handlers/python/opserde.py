"""The operation-level map serdes of 9-19/9-20: a whole BatchResult stored as "OPSERDE:X,Y"."""
from aws_durable_execution_sdk_python import BatchItemStatus, BatchResult
from aws_durable_execution_sdk_python.concurrency.models import BatchItem, CompletionReason
from aws_durable_execution_sdk_python.serdes import SerDes, SerDesContext

PREFIX = "OPSERDE:"


class OperationSerDes(SerDes):
    def serialize(self, value: BatchResult, serdes_context: SerDesContext) -> str:
        return PREFIX + ",".join(value.get_results())

    def deserialize(self, data: str, serdes_context: SerDesContext) -> BatchResult:
        values = data[len(PREFIX):].split(",") if data != PREFIX else []
        items = [BatchItem(index, BatchItemStatus.SUCCEEDED, value) for index, value in enumerate(values)]
        return BatchResult(items, CompletionReason.ALL_COMPLETED)
