"""A mapping's states, moved as AWS moves them: ``Creating`` -> ``Enabled`` (or
``Disabled``), ``Enabling``/``Disabling``/``Updating`` -> ``Enabled``/``Disabled``,
``Deleting`` -> gone, each a moment (``TRANSITION_SECONDS``) after the request.

A pending change is kept in the record as ``_Next`` (``""``: deletion) and
``_NextAt``. Reads derive the current state from the clock (``mapping_view``);
writes and listings settle due changes into the store (``settle``).
"""

from __future__ import annotations

import time
from typing import Any, Optional

from ..backend.errors import MappingNotFound
from ..store import LambdaStore
from .kinds import STREAMS

TRANSITION_SECONDS = 0.3


def transition_reason(kind: str) -> str:
    return "User action" if kind in STREAMS else "USER_INITIATED"


def mapping_view(record: dict[str, Any], now: Optional[float] = None) -> Optional[dict[str, Any]]:
    """The mapping as AWS shows it now (None once a deletion completed)."""
    now = time.time() if now is None else now
    view = {k: v for k, v in record.items() if not k.startswith("_")}
    if record.get("_NextAt") is not None and now >= record["_NextAt"]:
        if not record.get("_Next"):
            return None
        view["State"] = record["_Next"]
    return view


def schedule(record: dict[str, Any], state: str, then: Optional[str]) -> None:
    """Enter ``state`` now and ``then`` (None: deleted) after ``TRANSITION_SECONDS``."""
    record["State"] = state
    record["_Next"] = then or ""
    record["_NextAt"] = time.time() + TRANSITION_SECONDS


def settle(store: LambdaStore, uuids: Optional[list[str]] = None) -> None:
    """Apply due state changes (under ``store.lock``), persisting them."""
    now = time.time()
    for uuid in uuids if uuids is not None else list(store.event_source_mappings):
        record = store.event_source_mappings.get(uuid)
        if record is None or record.get("_NextAt") is None or now < record["_NextAt"]:
            continue
        if not record.get("_Next"):
            del store.event_source_mappings[uuid]
            store.delete_event_source_mapping(uuid)
            continue
        record["State"] = record.pop("_Next")
        record.pop("_NextAt", None)
        store.save_event_source_mapping(uuid)


def live_record(store: LambdaStore, uuid: str) -> dict[str, Any]:
    """A mapping not being deleted, with due changes settled (under ``store.lock``)."""
    settle(store, [uuid])
    record = store.event_source_mappings.get(uuid)
    if record is None or (record["State"] == "Deleting"):
        raise MappingNotFound()
    return record
