"""10-5 Two plugins registered together (A then B)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from conf_plugin import INVOCATION_HOOKS, PluginFactory


@durable_execution(plugins=[PluginFactory("CONFPLUGIN-A", INVOCATION_HOOKS),
                            PluginFactory("CONFPLUGIN-B", INVOCATION_HOOKS)])
def handler(event, context: DurableContext):
    return context.step(lambda _: f"Hello, {event}!")
