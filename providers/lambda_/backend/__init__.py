"""The Lambda backend: the one narrow internal interface to Lambda's functions
and event source mappings.

In the design's terms (``shared/design.md``, "Lambda provider"): the API layer
(``api/``), the function-URL router (``function_urls/``) and the event-source
pollers (``event_sources/``, plugin group ``gateway.lambda.event_sources``) all
call this object -- like moto's neighbours call ``sqs_backends[account][region]``
-- to *resolve a function and qualifier*, *invoke with an invocation type*, and
*read and change a mapping's state*. None of them touches a store, a lock or a
record: the backend takes the locks and hands out copies. It raises domain
exceptions (``backend/errors.py``); the API edge (``api/errors.py``) turns them
into AWS's errors, word for word.

One ``LambdaBackend`` per Lambda provider (``provider.backend``), for every
account and region.

Functions::

    resolve(function_name, qualifier=None, *, caller: Caller) -> InvokeTarget
        name, name:qualifier, partial or full ARN; version, alias (weights rolled), $LATEST.
        Caller(account_id, region, action="InvokeFunction"): another account's
        function resolves when its resource-based policy allows the action.
        Raises InvalidFunctionName, FunctionNotReachable, QualifierMismatch,
        AccessDenied, FunctionNotFound / QualifierNotFound, FunctionNotActive.
    invoke(target, payload: bytes, invocation_type="RequestResponse" | "Event" | "DryRun",
           options: InvokeOptions = None) -> InvokeOutcome
        InvokeOptions(request_id, client_context, log_type="None"|"Tail", trace_id, streaming).
        InvokeOutcome(status_code 200/202/204, result: InvocationResult (payload,
        function_error, logs, executed_version, chunks...), log_result).
        Raises PayloadTooLarge, TooManyRequests (throttled: retry later),
        FunctionNotActive, InternalFailure.
    invoke_function(function_name, payload, *, caller, qualifier=None,
                    invocation_type="RequestResponse", options=None) -> InvokeOutcome
        resolve + invoke, for callers that need nothing in between (pollers).
    check_payload(invocation_type, size)              PayloadTooLarge before any other work
    function_url(url_id, with_policy=False) -> FunctionUrl | None
    prestart(target, count)                           provisioned concurrency

Event source mappings (``MappingKey(account_id, region, uuid)``)::

    mappings(enabled_only=False) -> list[EventSourceMapping]
    mapping(key) -> EventSourceMapping | None
        EventSourceMapping(key, source, enabled, config): config as
        GetEventSourceMapping answers it (a copy); source = the poller plugin's
        name (sqs, kinesis, dynamodb-streams, kafka, self-managed-kafka, mq, documentdb).
    watch_mappings(watcher: MappingWatcher, replay=True) / unwatch_mappings(watcher)
        watcher.mapping_changed(key, mapping | None): create, update, enable,
        disable, delete (None); replay: every existing mapping first (restart
        with PERSISTENCE=1). watcher.mappings_reset(): /_gateway/reset.
    update_mapping_status(key, *, state=None, state_transition_reason=None,
                          last_processing_result=None) -> bool
        what GetEventSourceMapping reports (mappings.OK, NO_RECORDS_PROCESSED,
        FUNCTION_CALL_FAILED, problem("...")); State Enabled/Disabled when
        Lambda itself changes it (watchers told).
    checkpoint(key) -> dict / save_checkpoint(key, positions) -> bool / delete_checkpoint(key)
        a poller's positions, written through like every acknowledged change.

Called by the API only::

    mapping_changed(account_id, region, uuid)   after a mapping operation changed a record
    mappings_reset()                             before the stores are reset
    urls (FunctionUrlIndex)                      url-ids handed out and deleted

How pollers use all this: ``providers/lambda_/event_sources/poller.py``.
"""

from __future__ import annotations

from typing import Any

from .errors import (
    AccessDenied,
    FunctionNotActive,
    FunctionNotFound,
    FunctionNotReachable,
    InternalFailure,
    InvalidFunctionName,
    InvalidMapping,
    LambdaError,
    MappingExists,
    MappingNotFound,
    PayloadTooLarge,
    QualifierMismatch,
    QualifierNotFound,
    SourceNotFound,
    TooManyRequests,
)

# Loaded on first use (PEP 562): these modules import the data plane, which
# imports modules that import ``backend.errors`` -- eager imports would cycle.
_LAZY = {
    "LambdaBackend": ".service",
    "Caller": ".values",
    "EventSourceMapping": ".values",
    "FunctionUrl": ".values",
    "InvokeOptions": ".values",
    "InvokeOutcome": ".values",
    "InvokeTarget": ".values",
    "MappingKey": ".values",
    "MappingWatcher": ".values",
}

__all__ = [
    "AccessDenied", "FunctionNotActive", "FunctionNotFound", "FunctionNotReachable", "InternalFailure",
    "InvalidFunctionName", "InvalidMapping", "LambdaError", "MappingExists", "MappingNotFound", "PayloadTooLarge",
    "QualifierMismatch", "QualifierNotFound", "SourceNotFound", "TooManyRequests", *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module, __name__), name)
