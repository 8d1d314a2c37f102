"""The instrumentation plugins of the plugin requirements (10-x): each hook prints one JSON record.

Records carry ``durableExecutionArn`` (captured from the invocation-start hook) so
the execution's log records can be found; operation and attempt hooks only report
step-type operations.
"""
import json

from aws_durable_execution_sdk_python.plugin import DurableInstrumentationPlugin, OperationType


class RecordingPlugin(DurableInstrumentationPlugin):
    def __init__(self, label: str, hooks: frozenset, faulty: bool = False) -> None:
        self.label, self.hooks, self.faulty = label, hooks, faulty
        self.execution_arn = None

    def _emit(self, hook: str, **fields) -> None:
        if hook in self.hooks:
            print(json.dumps({"plugin": self.label, "hook": hook, **fields,
                              "durableExecutionArn": self.execution_arn}), flush=True)
        if self.faulty:
            raise RuntimeError(f"{self.label} failed in {hook}")

    def on_invocation_start(self, info) -> None:
        self.execution_arn = info.execution_arn
        self._emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info) -> None:
        self._emit("invocation-end", status=info.status.value)

    def on_operation_start(self, info) -> None:
        if info.operation_type is OperationType.STEP:
            self._emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info) -> None:
        if info.operation_type is OperationType.STEP:
            self._emit("operation-end", op=info.operation_id, status=info.status.value)

    def on_user_function_start(self, info) -> None:
        if info.operation_type is OperationType.STEP:
            self._emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info) -> None:
        if info.operation_type is OperationType.STEP:
            self._emit("attempt-end", n=info.attempt, outcome=info.outcome.value, op=info.operation_id)


INVOCATION_HOOKS = frozenset({"invocation-start", "invocation-end"})
OPERATION_HOOKS = frozenset({"operation-start", "operation-end"})
ATTEMPT_HOOKS = frozenset({"attempt-start", "attempt-end"})


class PluginFactory:
    """What ``durable_execution(plugins=[...])`` takes: one fresh plugin per invocation."""

    def __init__(self, label: str, hooks: frozenset, faulty: bool = False) -> None:
        self.label, self.hooks, self.faulty = label, hooks, faulty

    def create_plugin(self, info) -> RecordingPlugin:
        return RecordingPlugin(self.label, self.hooks, self.faulty)
