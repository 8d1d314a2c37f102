"""Lambda durable functions: checkpointed executions replayed until they end.

A function with ``DurableConfig`` does not simply run when invoked: the invoke
starts a durable execution (``service.DurableService.start``), and the function
receives AWS's durable invocation input (execution ARN, checkpoint token,
initial state) instead of the event. AWS's SDKs
(``aws-durable-execution-sdk-python``, ``@aws/durable-execution-sdk-js``) then
call ``CheckpointDurableExecution`` / ``GetDurableExecutionState`` on the
gateway, and answer ``{"Status": "SUCCEEDED"|"FAILED"|"PENDING", ...}``. A
``PENDING`` execution is invoked again (replayed) when a wait elapses, a
callback completes, a retry is due or a chained invoke finishes.

Modules, one job each:

- ``config``: ``DurableConfig`` as AWS validates and defaults it; the time scale.
- ``ids``: execution ARNs, checkpoint tokens, callback ids.
- ``model``: an execution and its operations, as stored (no threads, no HTTP).
- ``history``: the execution's events, named and shaped as AWS's.
- ``checkpoint``: one ``OperationUpdate`` applied to an execution (AWS's rules).
- ``timers``: one thread firing due timers (waits, retries, timeouts, retention).
- ``invocations``: the invocation loop (input, the SDK's answer, throttles, failures).
- ``chained``: chained invokes (``context.invoke``) and their outcomes.
- ``journal``: ``PERSISTENCE=1``: every acknowledged change on disk first.
- ``service``: the execution service the API family (``api/durable.py``) calls.
"""
