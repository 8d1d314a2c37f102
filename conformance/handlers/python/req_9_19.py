"""9-19 Map with an operation-level serdes: the Map context's result is stored as "OPSERDE:X,Y"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig

from opserde import OperationSerDes


@durable_execution
def handler(event, context: DurableContext):
    config = MapConfig(max_concurrency=1, serdes=OperationSerDes())
    return context.map(["x", "y"], lambda ctx, item, index, items: item.upper(), name="op-serdes",
                       config=config).get_results()
