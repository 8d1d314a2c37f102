"""10-2 Plugin operation hooks report the step's operation id."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from conf_plugin import OPERATION_HOOKS, PluginFactory


@durable_execution(plugins=[PluginFactory("CONFPLUGIN", OPERATION_HOOKS)])
def handler(event, context: DurableContext):
    return context.step(lambda _: f"Hello, {event}!")
