"""10-1 Plugin invocation hooks around a greeting step."""
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step

from conf_plugin import INVOCATION_HOOKS, PluginFactory


@durable_step
def greet(step_context: StepContext, name: str) -> str:
    step_context.logger.info(f"Greeting step running for: {name}")
    return f"Hello, {name}!"


@durable_execution(plugins=[PluginFactory("CONFPLUGIN", INVOCATION_HOOKS)])
def handler(event, context: DurableContext):
    return context.step(greet(event))
