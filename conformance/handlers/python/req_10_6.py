"""10-6 Plugin invocation hooks across a 2-second wait (two invocations)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from conf_plugin import INVOCATION_HOOKS, PluginFactory


@durable_execution(plugins=[PluginFactory("CONFPLUGIN", INVOCATION_HOOKS)])
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(2))
    return "waited"
