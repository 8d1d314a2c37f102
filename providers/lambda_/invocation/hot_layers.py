"""``/opt`` for a function whose layers include a hot-reload directory and more.

Executors merge a function's layers once per list of directories and keep the
tree (executors/layer_merge.py): right for unpacked zips, which never change,
stale for a hot-reload layer whose files are replaced. For such a list the
invocation service merges here instead, once per revision of its hot-reload
directories (``HotReloadWatcher.revision``), and hands the executor the one
merged directory, which executors use as is. A single hot-reload layer needs
none of this: it is mounted or linked itself.

The merged trees are hard links (no data copied). The current tree and the one
before it are kept per list of layers (environments retired by the change may
still be finishing an invocation on it); older ones are removed.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

from ..executors.layer_merge import MergedLayers


class HotLayerTrees:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._merges: dict[str, MergedLayers] = {}  # per revision tag
        self._tags: dict[str, list[str]] = {}  # per list of layers: its tags, oldest first

    def directory(self, layer_dirs: list[Path], revisions: list[int]) -> Path:
        """The merged tree of ``layer_dirs`` as of ``revisions`` (one per layer)."""
        layers = "\0".join(str(path) for path in layer_dirs)
        tag = hashlib.sha256(f"{layers}\0{revisions}".encode()).hexdigest()[:24]
        with self._lock:
            merge = self._merges.get(tag)
            if merge is None:
                merge = self._merges[tag] = MergedLayers(self.root / tag)
                tags = self._tags.setdefault(layers, [])
                tags.append(tag)
                while len(tags) > 2:
                    old = tags.pop(0)
                    self._merges.pop(old, None)
                    shutil.rmtree(self.root / old, ignore_errors=True)
        merged = merge.directory(layer_dirs)
        assert merged is not None  # (more than one layer)
        return merged

    def clear(self) -> None:
        with self._lock:
            self._merges.clear()
            self._tags.clear()
            shutil.rmtree(self.root, ignore_errors=True)
