"""10-7 Plugin invocation hooks around a step that always fails (no retries)."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets

from conf_plugin import INVOCATION_HOOKS, PluginFactory


def failing(_):
    raise RuntimeError("step failed")


@durable_execution(plugins=[PluginFactory("CONFPLUGIN", INVOCATION_HOOKS)])
def handler(event, context: DurableContext):
    return context.step(failing, config=StepConfig(retry_strategy=RetryPresets.none()))
