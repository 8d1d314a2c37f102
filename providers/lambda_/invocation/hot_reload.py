"""Hot reloading: functions whose code is a local directory (the ``hot-reload``
bucket marker) pick up edits without a redeploy.

A background thread polls each watched directory (modification times and sizes,
a bounded walk) twice a second; when one changes, the environments running that
code are retired, so the next invoke starts on the new files while in-flight
invocations finish on the old ones."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from typing import Callable, Optional

log = logging.getLogger("lambda.hot_reload")

MAX_ENTRIES = 20_000  # beyond this a directory is not watched deeper


def signature(directory: str) -> Optional[bytes]:
    """A digest of the tree's names, sizes and modification times (None if gone)."""
    digest = hashlib.blake2b(digest_size=16)
    stack, seen = [directory], 0
    try:
        while stack and seen < MAX_ENTRIES:
            current = stack.pop()
            with os.scandir(current) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    seen += 1
                    stat = entry.stat(follow_symlinks=False)
                    digest.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
    except OSError:
        return None
    return digest.digest()


class HotReloadWatcher:
    def __init__(self, on_change: Callable[[tuple], None], interval: float = 0.5) -> None:
        self._on_change = on_change
        self._interval = interval
        self._watched: dict[str, tuple[Optional[bytes], set[tuple]]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def watch(self, directory: str, key: tuple) -> None:
        """Retire ``key`` (a pool key) when ``directory`` changes."""
        with self._lock:
            if directory in self._watched:
                self._watched[directory][1].add(key)
            else:
                self._watched[directory] = (signature(directory), {key})
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hot-reload", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            with self._lock:
                watched = list(self._watched.items())
            for directory, (before, keys) in watched:
                now = signature(directory)
                if now == before:
                    continue
                with self._lock:
                    self._watched.pop(directory, None)  # the next environment watches again
                log.info("code changed in %s: new environments for the next invocations", directory)
                for key in keys:
                    try:
                        self._on_change(key)
                    except Exception:  # noqa: BLE001
                        log.exception("could not retire environments of %s", key)

    def clear(self) -> None:
        with self._lock:
            self._watched.clear()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
