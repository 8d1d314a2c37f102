"""``LambdaBackend``: the one object through which the API layer, the
function-URL router and the event-source pollers reach functions and mappings
(see the package docstring for the whole interface)."""

from __future__ import annotations

import copy
import uuid as uuidlib
from typing import TYPE_CHECKING, Callable, Optional

from gateway.errors import ServiceError

from ..arns import function_arn, resolve_function
from ..invocation.models import Invocation
from ..invocation.service import InvokeTarget
from ..models import LATEST
from ..provisioned import provisioned_for_version, provisioned_total
from .errors import FunctionNotActive, InternalFailure, PayloadTooLarge, UnqualifiedDurableInvoke
from .function_urls import FunctionUrlIndex
from .functions import authorize, find_function, find_version, layer_code, route_alias
from .mappings import MappingRegistry
from .values import INVOCATION_TYPES, Caller, FunctionUrl, InvokeOptions, InvokeOutcome

if TYPE_CHECKING:
    from gateway.app import Gateway

    from ..invocation.async_queue import AsyncQueue
    from ..invocation.service import InvocationService
    from ..store import Stores

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024


def require_qualified_durable(target: InvokeTarget) -> None:
    """AWS runs a durable function only when invoked by a version, an alias or an explicit
    ``$LATEST`` (an execution is pinned to the version it started on): an unqualified name or
    ARN raises UnqualifiedDurableInvoke, whatever invokes it (Invoke, InvokeAsync, event
    source mappings, function URLs, chained invokes)."""
    if target.config.get("DurableConfig") and target.invoked_arn == function_arn(
            target.region, target.account_id, target.function_name):
        raise UnqualifiedDurableInvoke()


class LambdaBackend(MappingRegistry):
    def __init__(self, gateway: "Gateway", stores: "Stores", invocations: "InvocationService",
                 async_queue: "AsyncQueue") -> None:
        super().__init__(stores)
        self._gateway = gateway
        self._stores = stores
        self._invocations = invocations
        self._async_queue = async_queue
        self.urls = FunctionUrlIndex(stores)
        # Set by the provider: starts a durable execution where a function with
        # DurableConfig is invoked (event source mappings, function URLs, InvokeAsync).
        self.durable_invoke: Optional[Callable[[InvokeTarget, bytes, str, InvokeOptions], InvokeOutcome]] = None

    # Resolving ----------------------------------------------------------------------------------
    def resolve(self, function_name: str, qualifier: Optional[str] = None, *, caller: Caller) -> InvokeTarget:
        """What invoking ``function_name`` (a name, ``name:qualifier``, a partial or
        full ARN) with ``qualifier`` runs: the version (an alias's routing
        config rolled now), its configuration and code, its layers' code, copied.
        Raises InvalidFunctionName, FunctionNotReachable, QualifierMismatch,
        AccessDenied (another account's function, its policy silent),
        FunctionNotFound / QualifierNotFound, FunctionNotActive."""
        ref = resolve_function(function_name, qualifier, caller.account_id, caller.region, caller.action,
                               caller.name_pattern, other_accounts=True)
        store = self._stores.get(ref.account_id, ref.region)
        with store.lock:
            if ref.account_id != caller.account_id:
                authorize(store, ref, caller.account_id, caller.action)
            function = find_function(store, ref)
            executed = route_alias(function, ref.qualifier, find_version(function, ref))
            config = dict(executed.config)
            if config.get("State") != "Active":
                raise FunctionNotActive(config.get("State"))
            return InvokeTarget(
                account_id=ref.account_id,
                region=ref.region,
                function_name=function.name,
                version=config.get("Version", LATEST),
                config=config,
                code=executed.code,
                layers=layer_code(self._stores, store, config),
                reserved_concurrency=function.reserved_concurrency,
                provisioned_concurrency=provisioned_for_version(function, config.get("Version", LATEST)),
                function_provisioned=provisioned_total(function),
                gateway_port=self._gateway.port,
                invoked_arn=function_arn(ref.region, ref.account_id, function.name, ref.qualifier),
            )

    def function_url(self, url_id: str, with_policy: bool = False) -> Optional[FunctionUrl]:
        """The function (and alias) a function URL's id points to, with a copy of
        its URL config (and resource policy), or None."""
        target = self.urls.find(url_id)
        if target is None:
            return None
        store = self._stores.get(target.account_id, target.region)
        key = target.qualifier or LATEST
        with store.lock:
            function = store.functions.get(target.function_name)
            record = function.url_configs.get(key) if function is not None else None
            if record is None:
                return None
            policy = copy.deepcopy(function.policies.get(key)) if with_policy else None
            return FunctionUrl(target.account_id, target.region, target.function_name, target.qualifier,
                               copy.deepcopy(record), policy)

    # Invoking -----------------------------------------------------------------------------------
    @staticmethod
    def check_payload(invocation_type: str, payload_size: int) -> None:
        """PayloadTooLarge over the invocation type's limit (AWS checks it first)."""
        limit = MAX_ASYNC_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
        if payload_size > limit:
            raise PayloadTooLarge(limit, payload_size, invocation_type)

    def invoke(self, target: InvokeTarget, payload: bytes, invocation_type: str = "RequestResponse",
               options: Optional[InvokeOptions] = None) -> InvokeOutcome:
        """Invoke a resolved ``target``: ``RequestResponse`` runs it and answers its
        result; ``Event`` queues it (retries, destinations, DLQ as configured)
        and answers 202; ``DryRun`` answers 204. ``payload`` is the event as
        bytes (JSON). Raises PayloadTooLarge, TooManyRequests (throttled: retry
        later), FunctionNotActive, InternalFailure."""
        if invocation_type not in INVOCATION_TYPES:
            raise ValueError(f"invocation type {invocation_type!r} is not one of {', '.join(INVOCATION_TYPES)}")
        options = options or InvokeOptions()
        self.check_payload(invocation_type, len(payload))
        request_id = options.request_id or str(uuidlib.uuid4())
        if not options.durable_replay:
            require_qualified_durable(target)
        if invocation_type == "DryRun":
            return InvokeOutcome(204)
        if self.durable_invoke is not None and target.config.get("DurableConfig") and not options.durable_replay:
            return self.durable_invoke(target, payload, invocation_type, options)
        if invocation_type == "Event":
            # AWS: the response's x-amzn-RequestId is the invocation's request id.
            self._async_queue.enqueue(target, payload, request_id=request_id)
            return InvokeOutcome(202)
        invocation = Invocation(payload=payload, client_context=options.client_context, request_id=request_id,
                                trace_id=options.trace_id, streaming=options.streaming)
        try:
            result = self._invocations.invoke(target, invocation)  # raises TooManyRequests, FunctionNotActive
        except ServiceError as error:  # e.g. the execution role's credentials could not be issued
            raise InternalFailure(error.message or "An internal error occurred") from None
        if result.chunks is not None and not (options.streaming or options.keep_chunks):  # a streaming handler
            result.payload = b"".join(result.chunks)
            if result.stream_error:
                result.payload = result.stream_error[1]
        log_result = InvokeOutcome.tail(result.logs) if options.log_type == "Tail" else None
        return InvokeOutcome(200, result, log_result)

    def invoke_function(self, function_name: str, payload: bytes, *, caller: Caller, qualifier: Optional[str] = None,
                        invocation_type: str = "RequestResponse",
                        options: Optional[InvokeOptions] = None) -> InvokeOutcome:
        """``resolve`` then ``invoke``: the function as it is now (new code, alias weights)."""
        self.check_payload(invocation_type, len(payload))
        return self.invoke(self.resolve(function_name, qualifier, caller=caller), payload, invocation_type, options)

    def prestart(self, target: InvokeTarget, count: int) -> bool:
        """Start ``count`` environments of ``target`` ahead of invokes (provisioned
        concurrency); False when one's init failed."""
        return self._invocations.prestart(target, count)

