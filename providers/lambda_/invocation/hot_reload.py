"""Hot reloading: a function whose code, or a layer whose content, is a local
directory (the ``hot-reload`` bucket marker) runs edits without a redeploy.

One watcher thread per gateway follows every hot-reload directory in use through
file-system events (``watchfiles``: inotify on Linux; no walk of the tree, so no
limit on its size). Events are gathered per directory until it has been quiet
for ``QUIET_SECONDS``: a build replacing its whole output folder (``rm -rf dist``
and a rewrite) restarts the environments once, after it is done. Then the
environments running that code are retired: in-flight invocations finish on the
old files, the next invoke starts on the new ones. The change is live for
invocations made about 0.25 s after the last write (bench/hot_reload_bench.py).

A watched directory that is removed (``rm -rf dist`` with ``dist`` itself the
function's code) is followed again when it is back, and counts as changed then;
while it is missing, running environments are left alone (a long build keeps
the old code serving). Editors' and runtimes' droppings (``__pycache__``,
``*.pyc``, swap files, ``.git``) do not count as changes.

The interface the invocation service uses (stable: other features start
environments through the same path):

- ``watch(directory, key)`` before an environment using ``directory`` (the
  resolved path) starts; it returns once events under the directory are
  followed, so no edit made after the start is missed;
- ``on_change(key)`` (given to the constructor) is called once per settled
  burst for each key watched since the directory's previous change;
- ``revision(directory)`` counts the directory's settled changes (for what is
  built from a directory's files, e.g. merged layers);
- ``clear()`` on reset, ``stop()`` when the gateway stops.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import watchfiles

log = logging.getLogger("lambda.hot_reload")

QUIET_SECONDS = 0.15  # a directory restarts its environments after this long without events
STEP_MS = 20  # how long the event loop waits for more events before handing a group over
GROUP_MS = 50  # longest a group of events is held before it is handed over
TICK_MS = 25  # the loop wakes at least this often while directories are followed
REGISTER_TIMEOUT = 10.0  # longest ``watch`` waits for a new directory to be followed
IGNORED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache"})
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", ".swo", "~")


def relevant(_change: object, path: str) -> bool:
    """Whether an event under a watched directory may change what a function runs."""
    name = os.path.basename(path)
    if name.endswith(IGNORED_SUFFIXES) or name.startswith(".#"):
        return False
    return not IGNORED_DIRS.intersection(path.split(os.sep))


def _identity(directory: str) -> Optional[tuple[int, int]]:
    try:
        stat = os.stat(directory)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


@dataclass
class _Directory:
    keys: set[tuple] = field(default_factory=set)
    identity: Optional[tuple[int, int]] = None  # the inode followed (a new one: the directory was replaced)
    last_event: Optional[float] = None  # monotonic time of the last event not yet acted on
    gone: bool = False
    revision: int = 0


class HotReloadWatcher:
    def __init__(self, on_change: Callable[[tuple], None]) -> None:
        self._on_change = on_change
        self._directories: dict[str, _Directory] = {}
        self._followed: frozenset[str] = frozenset()  # what the running event loop follows
        self._lock = threading.Lock()
        self._built = threading.Condition(self._lock)
        self._rebuild = threading.Event()  # ends the event loop: the set of directories changed
        self._stopping = threading.Event()
        self._polling = False  # inotify unavailable or out of watches: watchfiles polls instead
        self._thread: Optional[threading.Thread] = None
        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # it logs every group of events at INFO

    # The service's side ------------------------------------------------------------------------
    def watch(self, directory: str, key: tuple) -> None:
        """Retire ``key`` (a pool key) when ``directory`` changes."""
        with self._lock:
            entry = self._directories.get(directory)
            if entry is None:
                entry = self._directories[directory] = _Directory()
                self._rebuild.set()
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="hot-reload", daemon=True)
                    self._thread.start()
            entry.keys.add(key)
            deadline = time.monotonic() + REGISTER_TIMEOUT
            while directory not in self._followed and not entry.gone and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._directories.get(directory) is not entry:
                    if remaining <= 0:
                        log.warning("hot reload: %s is not followed yet; edits made now may be missed", directory)
                    return
                self._built.wait(remaining)

    def revision(self, directory: str) -> int:
        with self._lock:
            entry = self._directories.get(directory)
            return entry.revision if entry is not None else 0

    def clear(self) -> None:
        with self._lock:
            self._directories.clear()
            self._rebuild.set()

    def stop(self) -> None:
        self._stopping.set()
        self._rebuild.set()
        with self._lock:
            self._built.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # The watcher thread --------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                self._rebuild.clear()
                now = time.monotonic()
                for directory, entry in self._directories.items():
                    identity = _identity(directory)
                    if identity is None:
                        entry.gone = True
                        continue
                    if entry.gone or (entry.identity is not None and identity != entry.identity):
                        entry.last_event = now  # replaced (or back): unseen writes may have happened
                    entry.identity, entry.gone = identity, False
                present = sorted(d for d, entry in self._directories.items() if not entry.gone)
                waiting_for_return = len(present) != len(self._directories)
                if not present:
                    self._followed = frozenset()
                    self._built.notify_all()
            try:
                if present:
                    self._follow(present)
                else:
                    self._rebuild.wait(TICK_MS / 1000 if waiting_for_return else None)
            except FileNotFoundError:  # removed between the check and the start: marked gone on the next turn
                continue
            except OSError as error:
                if self._polling:
                    log.exception("hot reload: cannot follow %s", ", ".join(present))
                    self._stopping.wait(1.0)
                    continue
                log.warning("hot reload: file events unavailable (%s); polling the directories instead", error)
                self._polling = True
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad turn
                log.exception("hot reload: the watcher failed; following again")
                self._stopping.wait(1.0)

    def _follow(self, directories: list[str]) -> None:
        """One run of the event loop over ``directories``, until they change."""
        first = True
        for changes in watchfiles.watch(
            *directories, watch_filter=relevant, debounce=GROUP_MS, step=STEP_MS, rust_timeout=TICK_MS,
            yield_on_timeout=True, stop_event=self._rebuild, raise_interrupt=False, force_polling=self._polling,
            poll_delay_ms=300, ignore_permission_denied=True,
        ):
            now = time.monotonic()
            if first:
                first = False
                with self._lock:
                    self._followed = frozenset(directories)
                    self._built.notify_all()
            if changes:
                self._note((path for _, path in changes), directories, now)
            self._check_returned()
            self._fire(now)

    def _note(self, paths: Iterable[str], directories: list[str], now: float) -> None:
        touched: set[str] = set()
        longest_first = sorted(directories, key=len, reverse=True)
        for path in paths:
            for directory in longest_first:
                if path == directory:  # the directory itself was removed or replaced: follow it again
                    touched.add(directory)
                    self._rebuild.set()
                    break
                if path.startswith(directory + os.sep):
                    touched.add(directory)
                    break
        with self._lock:
            for directory in touched:
                entry = self._directories.get(directory)
                if entry is None:
                    continue
                entry.last_event = now
                if _identity(directory) != entry.identity:  # removed or replaced: follow again
                    self._rebuild.set()

    def _check_returned(self) -> None:
        with self._lock:
            if any(entry.gone and os.path.isdir(d) for d, entry in self._directories.items()):
                self._rebuild.set()

    def _fire(self, now: float) -> None:
        """Retire the keys of every directory quiet for ``QUIET_SECONDS`` since its last event."""
        due: list[tuple[str, set[tuple]]] = []
        with self._lock:
            for directory, entry in self._directories.items():
                if entry.last_event is None or entry.gone or now - entry.last_event < QUIET_SECONDS:
                    continue
                entry.last_event = None
                entry.revision += 1
                due.append((directory, entry.keys))
                entry.keys = set()  # the next environment to start watches again
        for directory, keys in due:
            log.info("hot reload: %s changed; new environments for the next invocations", directory)
            for key in keys:
                try:
                    self._on_change(key)
                except Exception:  # noqa: BLE001
                    log.exception("hot reload: could not retire the environments of %s", key)
