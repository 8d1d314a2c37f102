"""10-4 A plugin whose every hook logs then raises: the SDK ignores the failures."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from conf_plugin import ATTEMPT_HOOKS, INVOCATION_HOOKS, OPERATION_HOOKS, PluginFactory

FAULTY = PluginFactory("CONFPLUGIN-FAULTY", INVOCATION_HOOKS | OPERATION_HOOKS | ATTEMPT_HOOKS, faulty=True)


@durable_execution(plugins=[FAULTY])
def handler(event, context: DurableContext):
    return context.step(lambda _: f"Hello, {event}!")
