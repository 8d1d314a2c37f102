"""Event source mappings as the backend shows them: read them, watch them
change, report a poller's status, keep its checkpoints.

Records stay in ``LambdaStore.event_source_mappings`` (the API owns their
shape, ``api/event_source_mappings.py``); this module hands out copies
(``EventSourceMapping``) and changes only the status members pollers report.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from ..event_sources.kinds import record_source
from ..event_sources.states import mapping_view
from .values import EventSourceMapping, MappingKey, MappingWatcher

if TYPE_CHECKING:
    from ..store import LambdaStore, Stores

log = logging.getLogger("lambda.esm")

# LastProcessingResult values AWS reports (stream and Kafka mappings; SQS mappings
# report none): test_lambda_integration_kinesis.snapshot.json and the
# ListEventSourceMappings examples of AWS's documentation.
NO_RECORDS_PROCESSED = "No records processed"
OK = "OK"
FUNCTION_CALL_FAILED = "PROBLEM: Function call failed"
# StateTransitionReason: what the user did ("USER_INITIATED" for SQS and Kafka,
# "User action" for streams, as created), or Lambda's own doing (API reference,
# EventSourceMappingConfiguration: "either User initiated or Lambda initiated").
LAMBDA_INITIATED = "Lambda initiated"


def problem(reason: str) -> str:
    """A LastProcessingResult for a failure, worded as AWS words them (``PROBLEM: ...``)."""
    return f"PROBLEM: {reason}"


class MappingRegistry:
    """The mapping half of ``LambdaBackend``."""

    def __init__(self, stores: "Stores") -> None:
        self._stores = stores
        self._watchers: list[MappingWatcher] = []
        self._watchers_lock = threading.Lock()

    # Reading --------------------------------------------------------------------------------
    @staticmethod
    def _snapshot(store: "LambdaStore", uuid: str, record: Optional[dict[str, Any]],
                  now: Optional[float] = None) -> Optional[EventSourceMapping]:
        """A copy of a live mapping (None: absent, being deleted or deleted). Under ``store.lock``."""
        if record is None:
            return None
        view = mapping_view(record, now)
        if view is None or view.get("State") == "Deleting":
            return None
        return EventSourceMapping(
            key=MappingKey(store.account_id, store.region, uuid),
            source=record_source(record),
            enabled=bool(record.get("_Enabled", True)),
            config=copy.deepcopy(view),
        )

    def mapping(self, key: MappingKey) -> Optional[EventSourceMapping]:
        """The mapping as it is now, or None once deleted."""
        store = self._stores.get(key.account_id, key.region)
        with store.lock:
            return self._snapshot(store, key.uuid, store.event_source_mappings.get(key.uuid))

    def mappings(self, enabled_only: bool = False) -> list[EventSourceMapping]:
        """Every live mapping of every account and region (or only those the user enabled)."""
        now = time.time()
        found = []
        for store in self._stores.all():
            with store.lock:
                for uuid, record in store.event_source_mappings.items():
                    snapshot = self._snapshot(store, uuid, record, now)
                    if snapshot is not None and (snapshot.enabled or not enabled_only):
                        found.append(snapshot)
        return sorted(found, key=lambda mapping: mapping.key)

    # Watching -----------------------------------------------------------------------------
    def watch_mappings(self, watcher: MappingWatcher, replay: bool = True) -> None:
        """Tell ``watcher`` of every change from now on; with ``replay``, first of
        every mapping that exists (restored at start with ``PERSISTENCE=1``)."""
        with self._watchers_lock:
            self._watchers.append(watcher)
        if replay:
            for mapping in self.mappings():
                self._tell(watcher, mapping.key, mapping)

    def unwatch_mappings(self, watcher: MappingWatcher) -> None:
        with self._watchers_lock:
            if watcher in self._watchers:
                self._watchers.remove(watcher)

    def mapping_changed(self, account_id: str, region: str, uuid: str) -> None:
        """The API changed a mapping (create, update, enable, disable, delete): tell
        the watchers what it is now. Call outside the store's lock."""
        key = MappingKey(account_id, region, uuid)
        mapping = self.mapping(key)
        for watcher in self._watcher_list():
            self._tell(watcher, key, mapping)

    def mappings_reset(self) -> None:
        """Every mapping is going (reset): tell the watchers, before the stores go."""
        for watcher in self._watcher_list():
            try:
                watcher.mappings_reset()
            except Exception:  # noqa: BLE001 - a watcher's failure must not fail the reset
                log.exception("event source mapping watcher %r failed on reset", watcher)

    def _watcher_list(self) -> list[MappingWatcher]:
        with self._watchers_lock:
            return list(self._watchers)

    @staticmethod
    def _tell(watcher: MappingWatcher, key: MappingKey, mapping: Optional[EventSourceMapping]) -> None:
        try:
            watcher.mapping_changed(key, mapping)
        except Exception:  # noqa: BLE001 - a watcher's failure must not fail the API call
            log.exception("event source mapping watcher %r failed for %s", watcher, key.uuid)

    # Status a poller reports ------------------------------------------------------------------
    def update_mapping_status(self, key: MappingKey, *, state: Optional[str] = None,
                              state_transition_reason: Optional[str] = None,
                              last_processing_result: Optional[str] = None) -> bool:
        """Change what ``GetEventSourceMapping`` reports: ``LastProcessingResult``
        (``OK``, ``No records processed``, ``PROBLEM: ...``), and, when Lambda
        itself enables or disables the mapping, ``State`` (``Enabled`` /
        ``Disabled``) with its ``StateTransitionReason``. A state change is what
        the user would see after the same change through the API: watchers are
        told (a disabled mapping's poller stops). Saved (``PERSISTENCE=1``) only
        when something changed. False when the mapping no longer exists."""
        store = self._stores.get(key.account_id, key.region)
        with store.lock:
            record = store.event_source_mappings.get(key.uuid)
            if self._snapshot(store, key.uuid, record) is None:
                return False
            assert record is not None
            changes: dict[str, Any] = {}
            if last_processing_result is not None:
                changes["LastProcessingResult"] = last_processing_result
            if state_transition_reason is not None:
                changes["StateTransitionReason"] = state_transition_reason
            if state is not None:
                if state not in ("Enabled", "Disabled"):
                    raise ValueError(f"a poller may set State Enabled or Disabled, not {state!r}")
                changes["State"] = state
                changes["_Enabled"] = state == "Enabled"
            state_changed = state is not None and (record.get("State") != state or record.get("_Next"))
            if all(record.get(name) == value for name, value in changes.items()) and not state_changed:
                return True
            record.update(changes)
            if state is not None:
                record.pop("_Next", None)
                record.pop("_NextAt", None)
                record["LastModified"] = time.time()
            store.save_event_source_mapping(key.uuid)
        if state_changed:
            self.mapping_changed(key.account_id, key.region, key.uuid)
        return True

    # Checkpoints ----------------------------------------------------------------------------------
    def checkpoint(self, key: MappingKey) -> dict[str, Any]:
        """Where the mapping's poller had got to (``{}`` for a new mapping): e.g.
        shard id -> last processed sequence number. Survives a restart with
        ``PERSISTENCE=1``; deleted with the mapping."""
        return self._stores.get(key.account_id, key.region).checkpoint(key.uuid)

    def save_checkpoint(self, key: MappingKey, positions: dict[str, Any]) -> bool:
        """Merge ``positions`` into the checkpoint; on disk (fsync'd) before this
        returns with ``PERSISTENCE=1``. Save a batch's position only once its
        records reached their outcome (delivered, or sent to the failure
        destination). False, and nothing saved, when the mapping is gone."""
        store = self._stores.get(key.account_id, key.region)
        with store.lock:  # (re-entrant: the store's own methods take it again)
            if self._snapshot(store, key.uuid, store.event_source_mappings.get(key.uuid)) is None:
                return False
            store.save_checkpoint(key.uuid, positions)
        return True

    def delete_checkpoint(self, key: MappingKey) -> None:
        """Forget the mapping's positions (its poller starts over from StartingPosition)."""
        self._stores.get(key.account_id, key.region).delete_checkpoint(key.uuid)
