"""5-8 Invoke with tenantId: the per-tenant echo target is invoked for the input's tenant."""
import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig


@durable_execution
def handler(event, context: DurableContext):
    return context.invoke(os.environ["TENANT_ECHO_FUNCTION"], event["payload"],
                          config=InvokeConfig(tenant_id=event["tenantId"]))
