"""Which function a function URL's id points to.

The API records each url-id it hands out (``add``) and forgets deleted ones
(``discard``); ``find`` answers from that index, rebuilding it from the stores
when an id is unknown (state restored at start, a reset), and re-checks every
hit against the store, so deleted functions, aliases or configs never resolve.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..models import LATEST

if TYPE_CHECKING:
    from ..store import Stores


@dataclass(frozen=True)
class FunctionUrlTarget:
    account_id: str
    region: str
    function_name: str
    qualifier: Optional[str]  # None: the unqualified function ($LATEST)


class FunctionUrlIndex:
    def __init__(self, stores: "Stores") -> None:
        self._stores = stores
        self._index: dict[str, FunctionUrlTarget] = {}
        self._lock = threading.Lock()

    def add(self, url_id: str, target: FunctionUrlTarget) -> None:
        with self._lock:
            self._index[url_id] = target

    def discard(self, url_id: str) -> None:
        with self._lock:
            self._index.pop(url_id, None)

    def find(self, url_id: str) -> Optional[FunctionUrlTarget]:
        """The function (and alias) ``url_id`` points to, or None."""
        with self._lock:
            target = self._index.get(url_id)
        if target is None:
            found = self._scan()
            with self._lock:
                self._index.update(found)
            target = found.get(url_id)
        if target is None:
            return None
        # No store lock here: the API asks while holding one (a new url-id must be
        # unused), and taking another store's would order locks both ways.
        function = self._stores.get(target.account_id, target.region).functions.get(target.function_name)
        record = function.url_configs.get(target.qualifier or LATEST) if function else None
        if record is None or record.get("_UrlId") != url_id or (
                target.qualifier is not None and target.qualifier not in function.aliases):
            self.discard(url_id)
            return None
        return target

    def _scan(self) -> dict[str, FunctionUrlTarget]:
        found: dict[str, FunctionUrlTarget] = {}
        for store in self._stores.all():
            for function in list(store.functions.values()):
                for key, record in list(function.url_configs.items()):
                    if record.get("_UrlId"):
                        found[record["_UrlId"]] = FunctionUrlTarget(
                            store.account_id, store.region, function.name, None if key == LATEST else key
                        )
        return found
