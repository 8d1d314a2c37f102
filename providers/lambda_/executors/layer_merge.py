"""A function's layers as one ``/opt`` tree, built once per set of layers.

AWS extracts a function's layers into ``/opt`` in order, later layers
overwriting earlier ones. Environments share the merged tree (read-only in the
sandbox): it is built once per distinct list of unpacked layer directories,
from hard links where the file system allows (no data copied), and kept until
reset. Symlinks are kept as they are (extraction already refused escaping ones).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import Optional


class MergedLayers:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def directory(self, layer_dirs: list[Path]) -> Optional[Path]:
        """The merged tree of ``layer_dirs`` (None for no layers; one layer is used as is)."""
        if not layer_dirs:
            return None
        if len(layer_dirs) == 1:
            return layer_dirs[0]
        key = hashlib.sha256("\0".join(str(p) for p in layer_dirs).encode()).hexdigest()[:32]
        target = self.root / key
        if target.is_dir():
            return target
        with self._lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            if not target.is_dir():
                partial = self.root / f"{key}.partial"
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir(parents=True)
                for layer in layer_dirs:
                    _overlay(layer, partial)
                partial.rename(target)
        return target

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _overlay(source: Path, target: Path) -> None:
    """Lay ``source`` over ``target``: its entries replace same-named ones."""
    for directory, subdirs, files in os.walk(source):
        relative = os.path.relpath(directory, source)
        destination = target if relative == "." else target / relative
        for name in list(subdirs):
            path = os.path.join(directory, name)
            if os.path.islink(path):  # a symlink to a directory: kept as a link, not descended
                subdirs.remove(name)
                _replace_with_link(path, destination / name)
            else:
                _ensure_dir(destination / name)
        for name in files:
            path = os.path.join(directory, name)
            out = destination / name
            if os.path.islink(path):
                _replace_with_link(path, out)
                continue
            _remove(out)
            try:
                os.link(path, out)
            except OSError:  # another file system, or links not allowed: copy
                shutil.copy2(path, out)


def _ensure_dir(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        _remove(path)
    path.mkdir(exist_ok=True)


def _replace_with_link(link: str, out: Path) -> None:
    _remove(out)
    os.symlink(os.readlink(link), out)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
