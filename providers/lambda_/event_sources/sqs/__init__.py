"""The SQS poller plugin (entry point ``sqs`` of ``gateway.lambda.event_sources``).

Modules: ``settings`` (the mapping, read once), ``queue`` (the SQS API),
``records`` (messages as AWS's event records), ``batches`` (gathering a batch:
BatchSize, window, 6 MB), ``responses`` (what to delete after an invocation,
``ReportBatchItemFailures``), ``poller`` (workers, scaling, stopping, a queue
that disappears).
"""

from .poller import SqsPoller

__all__ = ["SqsPoller"]
