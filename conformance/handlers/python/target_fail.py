"""Chained-invoke target: a durable function that always raises."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution


class TargetError(Exception):
    pass


@durable_execution
def handler(event, context: DurableContext):
    raise TargetError("target function failed")
