"""The Lambda provider (entry point ``lambda:default``): the API families composed.

With ``PERSISTENCE=1`` it loads at gateway start when ``DATA_DIR`` holds Lambda
state (``startup.py``): damaged state is reported then (``damage.py``, and
``health()``'s ``errors``), and the asynchronous events a previous run accepted
are re-queued (``invocation/event_journal.py``).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

from gateway.context import RequestContext
from gateway.provider import Provider

from .api.aliases import AliasesApi
from .api.code_signing import CodeSigningApi
from .api.concurrency import ConcurrencyApi
from .api.durable import DurableExecutionsApi
from .api.event_invoke_configs import EventInvokeConfigsApi
from .api.event_source_mappings import EventSourceMappingsApi
from .api.functions import FunctionsApi
from .api.invoke import InvokeApi
from .api.layers import LayersApi
from .api.permissions import PermissionsApi
from .api.settings import SettingsApi
from .api.tags import TagsApi
from .api.urls import UrlsApi
from .api.versions import VersionsApi
from . import damage
from .api.errors import answering_aws_errors, aws_error
from .backend.errors import FunctionNotFound, LambdaError
from .backend.service import LambdaBackend
from .backend.values import Caller, InvokeOptions
from .durable.config import time_scale as durable_time_scale
from .durable.model import Execution
from .durable.service import DurableService
from .event_sources.clients import ClientCache
from .event_sources.manager import PollerManager
from .event_sources.plugins import PollerPlugins
from .invocation.async_queue import AsyncQueue, EventDiscarded, ZeroReservedConcurrency
from .invocation.destinations import Destinations
from .invocation.event_journal import EventJournal, JournalRecord
from .invocation.service import InvocationService, InvokeTarget
from .invocation.models import Invocation, InvocationResult
from .models import LATEST, CodeInfo, Function
from .state import VersionEvent, VersionFailed
from .store import LambdaStore, Stores

if TYPE_CHECKING:
    from gateway.app import Gateway

log = logging.getLogger("lambda.provider")


class LambdaProvider(
    FunctionsApi,
    VersionsApi,
    AliasesApi,
    PermissionsApi,
    LayersApi,
    ConcurrencyApi,
    EventInvokeConfigsApi,
    UrlsApi,
    EventSourceMappingsApi,
    TagsApi,
    CodeSigningApi,
    SettingsApi,
    InvokeApi,
    DurableExecutionsApi,
    Provider,
):
    service = "lambda"

    def __init__(self, gateway: "Gateway") -> None:
        Provider.__init__(self, gateway)
        self.stores = Stores(gateway.state_dir("lambda"), gateway.config.persistence)
        self.init_functions()  # state transitions + hooks (self.lifecycle), S3 code client
        self.invocations = InvocationService(gateway.config, self.stores)
        self.invocations.on_code_damaged = self._code_damaged
        self.invocations.serve_also = gateway.listen_also  # functions on a Docker network reach the gateway there
        # A function's own calls to the gateway act only in its account.
        gateway.connection_accounts.register(self.invocations.origins.account_of)
        self.invocations.credentials.warm_up(gateway.port)  # the companion STS loads before the first cold start
        self.destinations = Destinations()
        self.event_journal: Optional[EventJournal] = None
        if gateway.config.persistence:
            self.event_journal = EventJournal(self.stores.state_dir / "async-events.log")
        self.async_queue = AsyncQueue(
            invoke=self._invoke_async_event,
            invoke_config=self._event_invoke_config,
            deliver=self.destinations.deliver,
            dead_letter=self.destinations.dead_letter,
            retry_base_seconds=gateway.config.integer("LAMBDA_ASYNC_RETRY_BASE_MS", 60_000) / 1000,
            journal=self.event_journal,
        )
        # A freed concurrency slot lets the function's next throttled event run at once.
        self.invocations.on_slot_released = self.async_queue.wake
        # What the API layer, the function-URL router and the pollers call (backend/).
        self.backend = LambdaBackend(gateway, self.stores, self.invocations, self.async_queue)
        # Durable executions (durable/): started by invokes of functions with DurableConfig.
        self.durable = DurableService(self.backend, durable_time_scale(gateway.config),
                                      self.stores.state_dir if gateway.config.persistence else None)
        self.backend.durable_invoke = lambda target, payload, kind, options: self.start_durable(
            target, payload, kind, options)[1]
        self.durable.on_failed_event = self._dead_letter_durable
        # One poller per enabled event source mapping (event_sources/manager.py), started in on_start.
        self.pollers = PollerManager(self.backend, PollerPlugins(gateway.config),
                                     ClientCache(gateway.config, self._gateway_url, gateway.notices))
        hooks = self.lifecycle.hooks
        hooks.on_version_created.append(self._prepare_version)
        hooks.on_version_updated.append(self._prepare_version)
        hooks.on_version_deleted.append(self._version_deleted)
        hooks.on_function_deleted.append(self._function_deleted)

    def operation_handler(self, operation: str) -> Optional[Callable[[RequestContext, dict], Any]]:
        """The API edge: an operation's domain exceptions answer as AWS's errors (api/errors.py)."""
        handler = super().operation_handler(operation)
        return answering_aws_errors(handler) if handler is not None else None

    # Version manager hooks (see state.py) ------------------------------------------------------
    def _prepare_version(self, event: VersionEvent) -> None:
        """Before a version becomes Active: can it run here? Unpack its code once."""
        config = event.version.config
        reason = self.invocations.executor.prepare_version(
            config.get("Runtime"), config.get("PackageType", "Zip"), event.version.code.image_uri,
            (config.get("Architectures") or ["x86_64"])[0])
        if reason:
            raise VersionFailed(reason, "InternalError")
        self.invocations.prepare(event.version.code)

    def _version_deleted(self, event: VersionEvent) -> None:
        self.invocations.retire_function(event.store.account_id, event.store.region, event.function.name, event.qualifier)

    def reserved_concurrency_changed(self, account_id: str, region: str, function_name: str) -> None:
        """Events held back by the function's old reservation try again now."""
        self.async_queue.wake((account_id, region, function_name), every=True)

    def provisioned_concurrency_changed(self, context: RequestContext, function_name: str, qualifier: str,
                                        count: int, on_applied: Optional[Callable[[bool], None]] = None) -> None:
        """Pre-start (or release) environments for a version's or alias's
        provisioned concurrency, in the background; ``on_applied`` then hears
        whether they all initialised."""
        store = self.store(context)
        with store.lock:
            function = store.functions.get(function_name)
            alias = function.aliases.get(qualifier) if function else None
        version = alias["FunctionVersion"] if alias else qualifier
        try:
            target = self.backend.resolve(function_name, version, caller=Caller(context.account_id, context.region))
        except LambdaError as error:
            log.info("provisioned concurrency for %s:%s not pre-started: %s", function_name, qualifier, error.message)
            if on_applied is not None:
                on_applied(True)
            return

        def prestart() -> None:
            started = self.backend.prestart(target, count)
            if on_applied is not None:
                on_applied(started)

        threading.Thread(target=prestart, name="provisioned", daemon=True).start()

    def _function_deleted(self, store: LambdaStore, function: Function) -> None:
        self.invocations.retire_function(store.account_id, store.region, function.name)

    def _code_damaged(self, target: InvokeTarget, code: CodeInfo, problem: str) -> None:
        """A stored zip failed its SHA-256 check before unpacking: moved aside, and
        the versions running it (or, for a layer, the invoked version) go to Failed."""
        key = self.stores.code.key_of(code)
        assert key is not None
        path = self.stores.code.path_for(key)
        moved = damage.move_aside(path)
        self.stores.code.forget(key)
        is_layer = code is not target.code
        reason = damage.code_reason(problem, self._layer_using(key) if is_layer else None)
        affected = [] if is_layer else damage.fail_versions_running(self.stores, key, reason)
        if is_layer:
            store = self.stores.get(target.account_id, target.region)
            with store.lock:
                function = store.functions.get(target.function_name)
                version = None
                if function is not None:
                    version = function.latest if target.version == LATEST else function.versions.get(target.version)
                if function is not None and version is not None:
                    affected.append(damage.version_arn(function, version))
                    if damage.fail_version(version, reason):
                        store.save_function(function)
        self.invocations.retire_function(target.account_id, target.region, target.function_name)
        self.stores.damage.append(damage.Damage("code", str(path), f"code blob {problem}",
                                                str(moved) if moved else None, affected))
        log.error("damaged Lambda code %s: %s%s; now Failed: %s", path, problem,
                  f" (moved to {moved})" if moved else "", ", ".join(affected))

    def _layer_using(self, key: str) -> str:
        """The ARN of a layer version whose code is blob ``key``."""
        for store in self.stores.all():
            with store.lock:
                for layer in store.layers.values():
                    for number, version in layer.versions.items():
                        if self.stores.code.key_of(version.code) == key:
                            return f"{layer.arn}:{number}"
        return "(unknown)"

    # Asynchronous events a previous run accepted -----------------------------------------------
    def on_start(self) -> None:
        super().on_start()  # unfinished state transitions
        self.pollers.start()  # mappings restored with PERSISTENCE=1 poll again
        resumed = self.durable.load()  # durable executions go on where they were
        if resumed:
            log.info("resumed %d durable execution(s) of a previous run", resumed)
        if self.event_journal is None:
            return
        records = self.event_journal.load()
        if self.event_journal.damage is not None:
            found = self.event_journal.damage
            self.stores.damage.append(damage.Damage("event journal", str(found.path), found.reason,
                                                    str(found.moved_to)))
        resumed = 0
        for record in records:
            target = self._resumed_target(record)
            if target is None:
                log.info("queued event %s dropped: function %s no longer exists", record.request_id,
                         record.function_name)
                self.async_queue.discard(record.request_id)
                continue
            self.async_queue.resume(record, target)
            resumed += 1
        if resumed:
            log.info("re-queued %d asynchronous event(s) accepted before the restart", resumed)

    def _resumed_target(self, record: JournalRecord) -> Optional[InvokeTarget]:
        """The target of a journaled event, as far as the store knows it now (the
        function is resolved again before each attempt)."""
        store = self.stores.get(record.account_id, record.region)
        with store.lock:
            function = store.functions.get(record.function_name)
            if function is None:
                return None
            version = function.versions.get(record.version) or function.latest
            config, code = dict(version.config), version.code
        return InvokeTarget(
            account_id=record.account_id,
            region=record.region,
            function_name=record.function_name,
            version=record.version,
            config=config,
            code=code,
            gateway_port=self.gateway.port,
            invoked_arn=record.invoked_arn,
        )

    # Data plane glue -------------------------------------------------------------------------
    def _invoke_async_event(self, target: InvokeTarget, invocation: Invocation) -> InvocationResult:
        """Run a queued event against the function as it is now (code updated since
        it was queued, today's reserved concurrency); a deleted function's events
        are discarded."""
        parts = target.invoked_arn.split(":")
        qualifier = parts[7] if len(parts) > 7 else None
        try:
            fresh = self.backend.resolve(target.function_name, qualifier, caller=Caller(target.account_id, target.region))
        except FunctionNotFound as error:
            raise EventDiscarded(error.message) from None
        except LambdaError as error:  # throttled, not Active: the queue retries (and logs AWS's code)
            raise aws_error(error) from None
        if fresh.reserved_concurrency == 0:
            raise ZeroReservedConcurrency()
        target.__dict__.update(fresh.__dict__)
        options = InvokeOptions(request_id=invocation.request_id, trace_id=invocation.trace_id)
        try:
            result = self.backend.invoke(target, invocation.payload, "RequestResponse", options).result
        except LambdaError as error:
            raise aws_error(error) from None
        assert result is not None
        return result

    def _dead_letter_durable(self, execution: Execution) -> None:
        """An execution started by an Event invoke ended FAILED, STOPPED or TIMED_OUT:
        "Lambda sends the original triggering event to the DLQ" (AWS's best practices
        for durable functions). Durable executions are not retried as events are, and
        AWS documents no destination record for them: only the dead-letter queue."""
        try:
            target = self.backend.resolve(execution.function_name, execution.version,
                                          caller=Caller(execution.account_id, execution.region))
        except LambdaError as error:
            log.warning("durable execution %s ended %s; its event is not dead-lettered: %s", execution.arn,
                        execution.status, error.message)
            return
        dead_letter = (target.config.get("DeadLetterConfig") or {}).get("TargetArn")
        if not dead_letter:
            return
        error = execution.error or {}
        message = str(error.get("ErrorMessage") or error.get("ErrorType") or execution.status)
        self.destinations.dead_letter(target, dead_letter, execution.input_payload.encode(),
                                      execution.event_request_id or execution.execution_id, None, ("200", message))

    def _event_invoke_config(self, target: InvokeTarget) -> dict[str, Any]:
        store = self.stores.get(target.account_id, target.region)
        function = store.functions.get(target.function_name)
        if function is None:
            return {}
        qualifier = target.invoked_arn.split(":")[7] if target.invoked_arn.count(":") >= 7 else "$LATEST"
        return function.event_invoke_configs.get(qualifier) or {}

    def _gateway_url(self) -> str:
        """Where the gateway itself answers (pollers' clients of companion services)."""
        host = self.gateway.config.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://[{host}]:{self.gateway.port}" if ":" in host else f"http://{host}:{self.gateway.port}"

    # Lifecycle ---------------------------------------------------------------------------------
    def on_reset(self) -> None:
        self.backend.mappings_reset()  # pollers stop before their mappings go
        self.async_queue.clear()
        self.durable.reset()
        self.invocations.reset()
        self.reset_functions()  # stores.reset + on_function_deleted hooks

    def on_stop(self) -> None:
        self.pollers.stop()
        self.stop_functions()
        self.async_queue.stop()
        self.durable.shutdown()
        self.invocations.shutdown()

    def info(self) -> dict[str, Any]:
        executor = self.invocations.executor
        return {"executor": executor.name, **executor.describe()}

    def health(self) -> dict[str, Any]:
        stores = self.stores.all()
        details: dict[str, Any] = {
            "functions": sum(len(s.functions) for s in stores),
            "environments": self.invocations.environment_count(),
            "event_source_pollers": self.pollers.describe(),
        }
        if self.stores.damage:
            details["errors"] = [found.to_json() for found in self.stores.damage]
        return details
