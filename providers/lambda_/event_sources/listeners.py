"""Pollers learn of mappings through listeners; polling is not done by the API.

A poller registers with ``provider.add_event_source_mapping_listener(listener)``
and is told of every change through ``listener.event_source_mapping_changed(
account_id, region, uuid, config, enabled)`` (``config`` None when the mapping
was deleted); at start it walks ``provider.iter_event_source_mappings()`` to
pick up restored mappings.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Optional, Protocol

from ..store import LambdaStore
from .states import mapping_view

log = logging.getLogger("lambda.esm")


class EventSourceMappingListener(Protocol):
    def event_source_mapping_changed(
        self, account_id: str, region: str, uuid: str, config: Optional[dict[str, Any]], enabled: bool
    ) -> None: ...


def notify(
    listeners: Iterable[EventSourceMappingListener], store: LambdaStore, uuid: str, record: Optional[dict[str, Any]]
) -> None:
    """Tell every listener of a change (``record`` None: the mapping is going)."""
    view = mapping_view(record) if record is not None else None
    enabled = bool(record.get("_Enabled", True)) if record is not None else False
    for listener in list(listeners):
        try:
            listener.event_source_mapping_changed(store.account_id, store.region, uuid, view, enabled)
        except Exception:  # noqa: BLE001 - a poller's failure must not fail the API call
            log.exception("event source mapping listener failed for %s", uuid)
