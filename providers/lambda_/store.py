"""Lambda state per (account, region), with write-through persistence.

Every mutating API operation changes the in-memory objects under the store's
lock and then calls ``store.save_*``/``store.delete_*`` before it answers, so an
acknowledged change is on disk (when ``PERSISTENCE=1``) before the client hears
of it. Files are written atomically (temp file, fsync, rename, fsync of the
directory), one file per resource, so a ``kill -9`` leaves either the old or the
new version of each resource, never a torn one.

At start a file that cannot be parsed or restored is moved aside and reported
(``damage.py``); so are code blobs that are missing or of the wrong size.
Event-source pollers keep their position per mapping here too
(``save_checkpoint``), written through the same way.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional
from urllib.parse import quote, unquote

from .models import Function, Layer

if TYPE_CHECKING:
    from .code import CodeStore
    from .damage import Damage

log = logging.getLogger("lambda.store")


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``path`` so that readers (and a restart after a crash) see the old or
    the new content, never a torn one; ``durable=False`` skips the fsyncs (state
    that does not outlive the process)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass
class StoredFile:
    """One resource's file as found at start: its JSON, or why it could not be read."""

    account: str
    region: str
    kind: str
    key: str
    path: Path
    data: Any = None
    error: Optional[str] = None


class Persistence:
    """One JSON file per resource under ``<root>/<account>/<region>/<kind>/``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, account: str, region: str, kind: str, key: str) -> Path:
        return self.root / account / region / kind / (quote(key, safe="") + ".json")

    def save(self, account: str, region: str, kind: str, key: str, data: Any) -> None:
        atomic_write(self._path(account, region, kind, key), json.dumps(data, separators=(",", ":")).encode())

    def delete(self, account: str, region: str, kind: str, key: str) -> None:
        try:
            os.unlink(self._path(account, region, kind, key))
        except FileNotFoundError:
            pass

    def load_all(self) -> Iterator[StoredFile]:
        """Every stored resource (unreadable ones with their error); temporary
        files a crash left behind are removed."""
        if not self.root.exists():
            return
        for account_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for region_dir in sorted(p for p in account_dir.iterdir() if p.is_dir()):
                for kind_dir in sorted(p for p in region_dir.iterdir() if p.is_dir()):
                    for stale in kind_dir.glob(".tmp-*"):
                        try:
                            stale.unlink()
                        except OSError:
                            pass
                    for file in sorted(kind_dir.glob("*.json")):
                        found = StoredFile(account_dir.name, region_dir.name, kind_dir.name, unquote(file.stem), file)
                        try:
                            found.data = json.loads(file.read_bytes())
                        except (OSError, ValueError) as error:
                            found.error = f"{type(error).__name__}: {error}"
                        yield found


class LambdaStore:
    """All Lambda resources of one account in one region.

    ``functions`` maps names to functions; ``function_names`` keeps the same
    names sorted (ListFunctions pages through it with ``bisect``, so a page costs
    the same with 10 or 10,000 functions). Add and remove functions with
    ``add_function`` / ``remove_function`` to keep both in step.
    """

    def __init__(self, account_id: str, region: str, persistence: Optional[Persistence]) -> None:
        self.account_id = account_id
        self.region = region
        self.lock = threading.RLock()
        self.functions: dict[str, Function] = {}
        self.function_names: list[str] = []
        self.layers: dict[str, Layer] = {}
        self.event_source_mappings: dict[str, dict[str, Any]] = {}  # UUID -> config
        self.code_signing_configs: dict[str, dict[str, Any]] = {}  # ARN -> config
        self.settings: dict[str, Any] = {}  # account-level extras
        self.checkpoints: dict[str, dict[str, Any]] = {}  # mapping UUID -> position per shard/partition
        self._persistence = persistence

    # Functions index -------------------------------------------------------------
    def add_function(self, function: Function) -> None:
        if function.name not in self.functions:
            bisect.insort(self.function_names, function.name)
        self.functions[function.name] = function

    def remove_function(self, name: str) -> Optional[Function]:
        function = self.functions.pop(name, None)
        if function is not None:
            index = bisect.bisect_left(self.function_names, name)
            if index < len(self.function_names) and self.function_names[index] == name:
                del self.function_names[index]
        return function

    def names_after(self, marker: Optional[str], inclusive: bool = False) -> int:
        """Index in ``function_names`` of the first name after ``marker``."""
        if marker is None:
            return 0
        if inclusive:
            return bisect.bisect_left(self.function_names, marker)
        return bisect.bisect_right(self.function_names, marker)

    # Write-through ---------------------------------------------------------------
    def _save(self, kind: str, key: str, data: Any) -> None:
        if self._persistence:
            self._persistence.save(self.account_id, self.region, kind, key, data)

    def _delete(self, kind: str, key: str) -> None:
        if self._persistence:
            self._persistence.delete(self.account_id, self.region, kind, key)

    def save_function(self, function: Function) -> None:
        if self._persistence:  # (to_json is not free: skip it when nothing is persisted)
            self._save("functions", function.name, function.to_json())

    def delete_function(self, name: str) -> None:
        self._delete("functions", name)

    def save_layer(self, layer: Layer) -> None:
        self._save("layers", layer.name, layer.to_json())

    def delete_layer(self, name: str) -> None:
        self._delete("layers", name)

    def save_event_source_mapping(self, uuid: str) -> None:
        self._save("event-source-mappings", uuid, self.event_source_mappings[uuid])

    def delete_event_source_mapping(self, uuid: str) -> None:
        self._delete("event-source-mappings", uuid)
        self.delete_checkpoint(uuid)

    # Event-source checkpoints (for the pollers) -----------------------------------------
    def checkpoint(self, uuid: str) -> dict[str, Any]:
        """Where a mapping's poller had got to: e.g. shard id -> last processed
        sequence number (empty for a new mapping)."""
        with self.lock:
            return dict(self.checkpoints.get(uuid) or {})

    def save_checkpoint(self, uuid: str, positions: dict[str, Any]) -> None:
        """Record a poller's progress (merged into the mapping's checkpoint); with
        ``PERSISTENCE=1`` it is on disk (fsync'd, atomic) before this returns, so
        commit a batch's position only after its records reached their outcome."""
        with self.lock:
            merged = {**self.checkpoints.get(uuid, {}), **positions}
            self.checkpoints[uuid] = merged
            self._save("checkpoints", uuid, merged)

    def delete_checkpoint(self, uuid: str) -> None:
        with self.lock:
            if self.checkpoints.pop(uuid, None) is not None:
                self._delete("checkpoints", uuid)

    def save_code_signing_config(self, arn: str) -> None:
        self._save("code-signing-configs", arn, self.code_signing_configs[arn])

    def delete_code_signing_config(self, arn: str) -> None:
        self._delete("code-signing-configs", arn)

    def save_settings(self) -> None:
        self._save("settings", "settings", self.settings)

    def restore(self, kind: str, key: str, data: Any) -> None:
        """Put one stored resource back; raises if the data does not make one."""
        if kind == "functions":
            function = Function.from_json(data)
            if function.name != key:
                raise ValueError(f"the file of function {key!r} holds function {function.name!r}")
            self.add_function(function)
            return
        if kind == "layers":
            self.layers[key] = Layer.from_json(data)
            return
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        if kind == "event-source-mappings":
            self.event_source_mappings[key] = data
        elif kind == "code-signing-configs":
            self.code_signing_configs[key] = data
        elif kind == "settings":
            self.settings = data
        elif kind == "checkpoints":
            self.checkpoints[key] = data


class Stores:
    """The stores of every (account, region), plus where code blobs live."""

    def __init__(self, state_dir: Path, persistent: bool) -> None:
        from . import code as code_module  # code.py uses this module's atomic_write

        self.state_dir = state_dir
        self.code_dir = state_dir / "code"
        self.code_dir.mkdir(parents=True, exist_ok=True)
        self.code: "CodeStore" = code_module.CodeStore(self.code_dir, durable=persistent)
        self.persistent = persistent
        self._persistence = Persistence(state_dir / "state") if persistent else None
        self._stores: dict[tuple[str, str], LambdaStore] = {}
        self._lock = threading.Lock()
        self.damage: list["Damage"] = []  # what start-up (or an unpack) found damaged, for health
        if self._persistence:
            for found in self._persistence.load_all():
                self._restore(found)
            self.code.refresh_paths(self.all_code())
            from .damage import check_code_blobs

            self.damage += check_code_blobs(self)

    def _restore(self, found: StoredFile) -> None:
        """Restore one file; a damaged one is moved aside, reported, and (a
        function) kept as a Failed function of that name."""
        from .damage import Damage, move_aside, unreadable_function, unreadable_state_reason

        store = self.get(found.account, found.region)
        error = found.error
        if error is None:
            try:
                store.restore(found.kind, found.key, found.data)
                return
            except Exception as failure:  # noqa: BLE001 - one bad resource must not block start-up
                error = f"{type(failure).__name__}: {failure}"
        moved = move_aside(found.path)
        resources = []
        if found.kind == "functions":
            placeholder = unreadable_function(found.key, found.account, found.region,
                                              unreadable_state_reason(error, moved))
            store.add_function(placeholder)
            store.save_function(placeholder)
            resources.append(placeholder.arn)
        self.damage.append(Damage("state file", str(found.path), error, str(moved) if moved else None, resources))
        log.error("damaged Lambda state file %s (%s): moved to %s%s", found.path, error, moved,
                  "; the function is kept in state Failed" if resources else "")

    def all_code(self) -> Iterator[Any]:
        """Every CodeInfo the state holds (function versions, layer versions)."""
        for store in self.all():
            with store.lock:
                codes = [function.latest.code for function in store.functions.values()]
                codes += [v.code for function in store.functions.values() for v in function.versions.values()]
                codes += [v.code for layer in store.layers.values() for v in layer.versions.values()]
            yield from codes

    def sweep_code(self) -> int:
        """Delete released code blobs nothing references any more."""
        return self.code.sweep(lambda: list(self.all_code()))

    def is_current(self, store: LambdaStore) -> bool:
        """False for a store that a reset has dropped."""
        return self._stores.get((store.account_id, store.region)) is store

    def get(self, account_id: str, region: str) -> LambdaStore:
        store = self._stores.get((account_id, region))
        if store is None:
            with self._lock:
                store = self._stores.setdefault((account_id, region), LambdaStore(account_id, region, self._persistence))
        return store

    def all(self) -> list[LambdaStore]:
        with self._lock:
            return list(self._stores.values())

    def for_account(self, account_id: str) -> list[LambdaStore]:
        return [s for s in self.all() if s.account_id == account_id]

    def reset(self, on_function_removed: Optional[Callable[[LambdaStore, Function], None]] = None) -> None:
        with self._lock:
            stores = list(self._stores.values())
            self._stores.clear()
            self.damage.clear()
        if on_function_removed:
            for store in stores:
                for function in list(store.functions.values()):
                    on_function_removed(store, function)
        if self._persistence:
            shutil.rmtree(self._persistence.root, ignore_errors=True)
        self.code.reset()
        shutil.rmtree(self.code_dir, ignore_errors=True)
        self.code_dir.mkdir(parents=True, exist_ok=True)
