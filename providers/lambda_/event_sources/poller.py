"""The base class of event-source pollers, and how to write one.

How to write a poller
=====================

A poller reads one event source mapping's source and invokes the mapping's
function with what it reads, as AWS's pollers do. Register it as an entry point
of group ``gateway.lambda.event_sources`` named after the source it reads
(``sqs``, ``kinesis``, ``dynamodb-streams``, ``kafka``, ``self-managed-kafka``,
``mq``, ``documentdb``; an alternative to the gateway's own: ``<source>:<variant>``,
chosen with ``LAMBDA_EVENT_SOURCE_POLLER_<SOURCE>=<variant>``; see ``plugins.py``)::

    [options.entry_points]
    gateway.lambda.event_sources =
        sqs = my_package.sqs:SqsPoller

What it receives: ``Poller(backend, mapping, clients)``, nothing else.

- ``backend``: the Lambda backend (``providers/lambda_/backend``), the only way
  to functions and mappings: never a store, a lock or a record.
- ``mapping``: an ``EventSourceMapping`` -- ``key`` (account, region, uuid),
  ``source``, ``config`` (as ``GetEventSourceMapping`` answers it: ``BatchSize``,
  ``EventSourceArn``, ``FilterCriteria``, ``StartingPosition``...; read with
  ``mapping.get(name, default)``). It does not change while the poller runs:
  an update of the mapping stops this poller and starts a new one with the
  new configuration (never two pollers of one mapping at once).
- ``clients``: ``clients.client("sqs")`` gives a botocore client aimed at the
  gateway (or ``LAMBDA_EVENT_SOURCE_ENDPOINT_<SERVICE>``), in the source ARN's
  account and region by default (``clients.py``).

How it runs: the manager (``manager.py``) starts one thread per enabled
mapping and calls ``run()`` on it. ``run`` loops until ``self.stopping`` is set,
then returns. It must be cheap when the source is empty: block in long polls
(SQS ``WaitTimeSeconds``), or wait with ``self.sleep(seconds)`` (which returns
True as soon as the poller is stopped) -- never spin. Per-shard or
per-partition work may use more threads of its own; they too end when
``stopping`` is set, before ``run`` returns.

How it invokes: ``self.invoke(event)`` runs the mapping's function (as it is
now: code updates and alias weights apply) synchronously, as the mapping's
account, and returns an ``InvokeOutcome``: ``outcome.payload`` (bytes) and
``outcome.function_error`` (None, or ``"Unhandled"``). Throttling
(``TooManyRequests``) is retried with back-off until the function accepts or
the poller stops (then ``Stopped`` is raised: let it propagate). Other domain
exceptions (``providers.lambda_.backend.errors``) reach the poller:
``FunctionNotFound`` (the function was deleted; AWS keeps the mapping),
``FunctionNotActive``, ``PayloadTooLarge`` (split the batch), ``InternalFailure``.

How it reports: ``self.report(result)`` sets ``LastProcessingResult`` as AWS
words it: ``OK``, ``No records processed``, ``PROBLEM: Function call failed``,
``problem("...")`` (``backend.mappings``; SQS mappings report none, as on AWS).
Lambda-initiated state changes: ``backend.update_mapping_status(key,
state="Disabled", state_transition_reason=...)`` (the poller is then stopped).

How it checkpoints: ``self.checkpoint()`` is where it had got to (``{}`` at
first), ``self.save_checkpoint({"shardId-0001": "4959..."})`` merges positions
in, on disk before it returns with ``PERSISTENCE=1``: save a batch's position
only after every record of it reached its outcome, so a restart (or
``kill -9``) replays, never skips. A restarted gateway starts the poller again
with the same checkpoint.

How it stops: ``stop()`` is called from another thread (mapping disabled,
updated or deleted, ``/_gateway/reset``, shutdown); it sets ``stopping``;
override it (calling ``super().stop()``) to interrupt a blocking read, e.g.
close a Kafka consumer. A read that returns after the stop must not invoke:
hand its records back to the source (SQS: ``ChangeMessageVisibility`` 0;
streams: simply do not checkpoint) and return.

When it fails: an exception escaping ``run`` is logged with its traceback and
the poller is made again (``Poller(backend, mapping, clients)``) and run after
a back-off (1 s, doubling to 30 s); so is a ``run`` that returns while the
mapping is still enabled. ``/_gateway/health`` counts running pollers and
restarts (``lambda.event_source_pollers``).
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Optional, Union

from ..backend.errors import TooManyRequests
from ..backend.values import Caller, EventSourceMapping, InvokeOptions, InvokeOutcome

if TYPE_CHECKING:
    from ..backend.service import LambdaBackend
    from .clients import SourceClients

THROTTLE_BACKOFF_FIRST = 0.05
THROTTLE_BACKOFF_MAX = 2.0


class Stopped(Exception):
    """The poller was stopped while it waited (e.g. for a throttled function)."""


class Poller(ABC):
    """Subclass it and implement ``run`` (see the module docstring)."""

    def __init__(self, backend: "LambdaBackend", mapping: EventSourceMapping, clients: "SourceClients") -> None:
        self.backend = backend
        self.mapping = mapping
        self.clients = clients
        self.stopping = threading.Event()
        self._caller = Caller(mapping.key.account_id, mapping.key.region)

    @abstractmethod
    def run(self) -> None:
        """Poll until ``self.stopping`` is set."""

    def stop(self) -> None:
        """Asked to stop, from another thread; must return at once."""
        self.stopping.set()

    # Helpers -----------------------------------------------------------------------------------
    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; True (at once) when the poller is stopped."""
        return self.stopping.wait(seconds)

    def invoke(self, event: Union[bytes, Any], options: Optional[InvokeOptions] = None) -> InvokeOutcome:
        """Invoke the mapping's function synchronously with ``event`` (bytes as
        they are, anything else as compact JSON); throttling is waited out."""
        payload = event if isinstance(event, bytes) else json.dumps(event, separators=(",", ":")).encode()
        delay = THROTTLE_BACKOFF_FIRST
        while True:
            try:
                return self.backend.invoke_function(self.mapping.function_arn, payload, caller=self._caller,
                                                    options=options)
            except TooManyRequests:
                if self.sleep(delay):
                    raise Stopped() from None
                delay = min(delay * 2, THROTTLE_BACKOFF_MAX)

    def report(self, last_processing_result: str) -> None:
        """Set the mapping's ``LastProcessingResult`` (saved only when it changes)."""
        self.backend.update_mapping_status(self.mapping.key, last_processing_result=last_processing_result)

    def checkpoint(self) -> dict[str, Any]:
        return self.backend.checkpoint(self.mapping.key)

    def save_checkpoint(self, positions: dict[str, Any]) -> bool:
        """False (nothing saved) when the mapping was deleted meanwhile."""
        return self.backend.save_checkpoint(self.mapping.key, positions)
