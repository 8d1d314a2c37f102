"""Unpacked code and layers, cached by SHA-256 and shared by environments
(executors mount, link or copy them; nothing writes into the cache).

Extraction is ``zips.safe_extract``, the one hardened unzip: escapes refused,
symlinks that stay inside the archive kept (layers' shared libraries rely on
them), bytes counted against the unzipped limit while inflating, no setuid."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from ..zips import safe_extract


class UnpackCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes  # LAMBDA_LIMITS_CODE_SIZE_UNZIPPED
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
                try:
                    safe_extract(zip_path, partial, self.max_bytes)
                except BaseException:
                    shutil.rmtree(partial, ignore_errors=True)
                    raise
                partial.rename(target)
        return target

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
