"""9-19 Map with an operation-level serdes: the Map context's result is stored as "OPSERDE:X,Y"."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import MapConfig
from aws_durable_execution_sdk_python.serdes import JsonSerDes

from opserde import OperationSerDes


@durable_execution
def handler(event, context: DurableContext):
    # Without item_serdes the SDK would use the operation serdes for the items too.
    config = MapConfig(max_concurrency=1, serdes=OperationSerDes(), item_serdes=JsonSerDes())
    return context.map(["x", "y"], lambda ctx, item, index, items: item.upper(), name="op-serdes",
                       config=config).get_results()
