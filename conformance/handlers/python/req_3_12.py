"""3-12 Child context interrupted and re-executed: the step crashes the runtime on the first invocation.

Whether this is the first invocation is read before any operation runs
(``context.is_replaying()`` is False only when nothing is checkpointed yet). The
SDK sends START checkpoints from a background thread: the step gives it 2 s to
deliver ContextStarted and StepStarted before crashing, as the requirement says
("after ContextStarted and StepStarted are checkpointed").
"""
import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    first_invocation = not context.is_replaying()

    def crash_first_time(_):
        if first_invocation:
            time.sleep(2)
            os._exit(1)
        return event

    return context.run_in_child_context(lambda child: child.step(crash_first_time))
