"""Lambda API family: event source mappings (``Create/Get/Update/Delete/ListEventSourceMappings``).

A mapping is stored in ``LambdaStore.event_source_mappings[uuid]`` in AWS's
``EventSourceMappingConfiguration`` shape plus private keys (``_``-prefixed,
never answered): ``_Enabled`` (the state the user asked for), ``_Tags``,
``_Created`` (list order), ``_Kind`` and a pending state change ``_Next``/``_NextAt``.

The operations are here; the rest is in ``providers/lambda_/event_sources/``:
source kinds, per-source defaults, parameter validation, the check that the
source exists (through a botocore client aimed at the gateway) and the state
machine (``Creating`` -> ``Enabled`` ..., derived from the clock on reads,
settled on writes and listings). After each change the backend is told
(``backend.mapping_changed``): it tells the pollers' manager, which starts or
stops the mapping's poller (``event_sources/manager.py``).

Deleting a function does not delete its mappings (AWS keeps them; their
``FunctionArn`` then names a missing function).
"""

from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

from gateway.context import RequestContext

from ..arns import function_arn
from ..event_sources import states
from ..event_sources.defaults import UPDATABLE, default_consumer_group, esm_arn, initial_config
from ..event_sources.kinds import record_kind, source_type
from ..backend.errors import MappingNotFound, UnqualifiedDurableInvoke
from ..event_sources.plugins import endpoint_variable
from ..event_sources.source_checks import SOURCE_SERVICES, SourceChecker, require_source
from ..event_sources.states import mapping_view
from ..event_sources.validation import check_duplicate, validate_config
from ..models import LATEST
from ..store import LambdaStore
from .base import LambdaApiBase, invalid_parameter
from .paging import paginate, public
from .tags import validate_tags


class EventSourceMappingsApi(LambdaApiBase):
    def _esm_notify(self, store: LambdaStore, uuid: str) -> None:
        self.backend.mapping_changed(store.account_id, store.region, uuid)

    # Checks needing the provider ---------------------------------------------------------
    def _esm_function_arn(self, context: RequestContext, store: LambdaStore, function_name: str) -> str:
        """The mapping's FunctionArn: qualified only when the caller qualified it."""
        ref = self.resolve(context, function_name)
        function = store.functions.get(ref.name)
        qualifier = ref.qualifier
        if function is None or (
            qualifier not in (None, LATEST) and qualifier not in function.versions and qualifier not in function.aliases
        ):
            raise invalid_parameter("Function does not exist")
        if qualifier is None and function.latest.config.get("DurableConfig"):
            # AWS: a mapping to a durable function names a version or an alias ("Event source
            # mappings with durable functions"); its words for this refusal are not published, so
            # those of Invoke's.
            raise invalid_parameter(UnqualifiedDurableInvoke().message)
        return function_arn(ref.region, ref.account_id, ref.name, qualifier)

    def _esm_check_source(self, context: RequestContext, kind: str, event_source_arn: str) -> None:
        checker = self.__dict__.get("_esm_source_checker_instance")
        if checker is None:
            checker = self.__dict__.setdefault("_esm_source_checker_instance", SourceChecker())
        # A source service with an endpoint of its own (LAMBDA_EVENT_SOURCE_ENDPOINT_<SERVICE>)
        # is checked there, where its poller reads it.
        service = SOURCE_SERVICES.get(kind, "")
        own = self.gateway.config.string(endpoint_variable(service)).strip().rstrip("/") if service else ""
        require_source(
            checker, kind, event_source_arn, context.region,
            lambda name: bool(own) or self.gateway.config.service_enabled(name),
            lambda: own or self.gateway_endpoint(context),
        )

    # Operations -----------------------------------------------------------------------
    def create_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        event_source_arn = request.get("EventSourceArn")
        kind = source_type(event_source_arn, request.get("SelfManagedEventSource"))
        if kind is None:
            raise invalid_parameter("Unrecognized event source.")
        with store.lock:
            self._esm_function_arn(context, store, request["FunctionName"])
        config = initial_config(kind, request)
        validate_config(kind, config, event_source_arn or "")
        tags = dict(request.get("Tags") or {})
        validate_tags(tags)
        if event_source_arn:
            self._esm_check_source(context, kind, event_source_arn)
        with store.lock:
            # Again: the function may have gone while the source was checked.
            function_arn_value = self._esm_function_arn(context, store, request["FunctionName"])
            uuid = str(uuidlib.uuid4())
            default_consumer_group(kind, config, uuid)
            states.settle(store)
            if event_source_arn:
                check_duplicate(store, kind, event_source_arn, function_arn_value)
            enabled = request.get("Enabled", True) is not False
            now = time.time()
            record = {
                **config,
                "UUID": uuid,
                "FunctionArn": function_arn_value,
                "LastModified": now,
                "StateTransitionReason": states.transition_reason(kind),
                "EventSourceMappingArn": esm_arn(store.region, store.account_id, uuid),
                "_Enabled": enabled,
                "_Tags": tags,
                "_Created": now,
                "_Kind": kind,
            }
            if event_source_arn:
                record["EventSourceArn"] = event_source_arn
            states.schedule(record, "Creating", "Enabled" if enabled else "Disabled")
            store.event_source_mappings[uuid] = record
            store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid)
        return public(record)

    def get_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        record = self.store(context).event_source_mappings.get(request["UUID"])
        view = mapping_view(record) if record is not None else None
        if view is None:
            raise MappingNotFound()
        return view

    def update_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        uuid = request["UUID"]
        with store.lock:
            record = states.live_record(store, uuid)
            updated = dict(record)
            if request.get("FunctionName"):
                updated["FunctionArn"] = self._esm_function_arn(context, store, request["FunctionName"])
            updated.update({name: request[name] for name in UPDATABLE if request.get(name) is not None})
            validate_config(record_kind(record), public(updated), record.get("EventSourceArn") or "")
            was_enabled = bool(record.get("_Enabled", True))
            enabled = was_enabled if request.get("Enabled") is None else bool(request["Enabled"])
            updated["_Enabled"] = enabled
            updated["LastModified"] = time.time()
            if enabled != was_enabled:
                states.schedule(updated, "Enabling" if enabled else "Disabling", "Enabled" if enabled else "Disabled")
            else:
                states.schedule(updated, "Updating", "Enabled" if enabled else "Disabled")
            store.event_source_mappings[uuid] = updated
            store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid)
        return public(updated)

    def delete_event_source_mapping(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        uuid = request["UUID"]
        with store.lock:
            states.settle(store, [uuid])
            record = store.event_source_mappings.get(uuid)
            if record is None:
                raise MappingNotFound()
            if record["State"] != "Deleting":
                states.schedule(record, "Deleting", None)
                store.save_event_source_mapping(uuid)
        self._esm_notify(store, uuid)
        return public(record)

    def list_event_source_mappings(self, context: RequestContext, request: dict) -> dict:
        store = self.store(context)
        source_filter = request.get("EventSourceArn")
        name_filter = qualifier_filter = None
        if request.get("FunctionName"):
            ref = self.resolve(context, request["FunctionName"])
            name_filter, qualifier_filter = ref.name, ref.qualifier
        with store.lock:
            states.settle(store)
            records = sorted(store.event_source_mappings.values(), key=lambda r: r.get("_Created", 0))
        now = time.time()
        items = []
        for record in records:
            if source_filter and record.get("EventSourceArn") != source_filter:
                continue
            if name_filter:
                arn_parts = record["FunctionArn"].split(":")
                qualifier = arn_parts[7] if len(arn_parts) > 7 else None
                if arn_parts[6] != name_filter or (qualifier_filter and qualifier != qualifier_filter):
                    continue
            view = mapping_view(record, now)
            if view is not None:
                items.append(view)
        page, next_marker = paginate(items, lambda item: item["UUID"], request.get("Marker"), request.get("MaxItems"), 100)
        response: dict[str, Any] = {"EventSourceMappings": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response
