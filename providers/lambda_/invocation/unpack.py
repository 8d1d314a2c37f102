"""Unpacked code and layers, cached by SHA-256 and shared by environments
(executors copy them; nothing writes into the cache)."""

from __future__ import annotations

import shutil
import stat
import threading
import zipfile
from pathlib import Path, PurePosixPath


class UnpackError(Exception):
    pass


def _safe_member_path(root: Path, name: str) -> Path:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts:
        raise UnpackError(f"unsafe path in zip: {name!r}")
    return root.joinpath(*parts)


def unpack_zip(zip_path: Path, target: Path) -> None:
    """Extract a zip that code intake already accepted; still refuses escaping
    paths and symlinks, and keeps executable bits."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            destination = _safe_member_path(target, info.filename)
            mode = (info.external_attr >> 16) & 0o7777
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                continue  # symlinks could point anywhere: skipped
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            destination.chmod((mode & 0o777) | 0o644 if mode else 0o755 if info.filename.endswith("bootstrap") else 0o644)


class UnpackCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def directory(self, sha_key: str, zip_path: Path) -> Path:
        target = self.root / sha_key.replace("/", "_").replace("+", "-").rstrip("=")
        if target.exists():
            return target
        with self._lock:
            lock = self._locks.setdefault(sha_key, threading.Lock())
        with lock:
            if not target.exists():
                partial = target.with_name(target.name + ".partial")
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir(parents=True)
                unpack_zip(zip_path, partial)
                partial.rename(target)
        return target

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
