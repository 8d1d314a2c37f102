"""Executor plugins (entry point group ``gateway.lambda.executors``): they start
and stop the process (or sandbox, or container) of one execution environment.
They know nothing of the Lambda API."""
