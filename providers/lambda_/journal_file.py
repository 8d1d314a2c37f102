"""An append-only file of checksummed JSON records: what the asynchronous event
journal (``invocation/event_journal.py``) and the durable execution journal
(``durable/journal.py``) are written in.

One record a line, ``<crc32 hex> <json>``. A writer appends its line and then
waits until an ``fsync`` covers it; concurrent writers share one ``fsync``
(group commit: whoever finds no sync running starts one for everything written
so far, the others wait for it). The file is replaced whole atomically (temp
file, fsync, rename, fsync of the directory) when a journal compacts it.

Read back, a torn last line (the crash hit mid-append; its writer was never
answered) is dropped with a warning, and a damaged line elsewhere reads as
``None``: the journal counts it and moves the file aside (``damage.move_aside``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Iterable, Optional

# Appends change only data and size: fdatasync (where there is one) skips the timestamps.
_sync = getattr(os, "fdatasync", os.fsync)


def encode(record: dict[str, Any]) -> bytes:
    """``record`` as a journal line (with its newline)."""
    body = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def parse(line: bytes) -> Optional[dict[str, Any]]:
    """The record of a well-formed line (without its newline), else None."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        record = json.loads(body)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("id"), str) else None


def read_records(path: Path, log: logging.Logger) -> list[Optional[dict[str, Any]]]:
    """Every line of ``path`` (none when it does not exist yet) as its record, None
    where damaged; a torn last line is dropped. Creates the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    lines = raw.split(b"\n")
    torn_tail = lines.pop()  # "" when the file ends with a newline
    if torn_tail:
        log.warning("%s: dropped a partly written last record (%d bytes; it was never acknowledged)",
                    path, len(torn_tail))
    return [parse(line) for line in lines]


def _write_all(fd: int, line: bytes) -> None:
    view = memoryview(line)
    while view:
        view = view[os.write(fd, view):]


class AppendFile:
    """The open journal file. Every method is called with ``cond`` held (the journal
    guards its own state with the same lock); ``sync`` releases it while the disk works."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cond = threading.Condition(threading.Lock())
        self.size = 0
        self._fd = -1
        self._written = 0  # sequence number of the last line written
        self._synced = 0  # ... and of the last one an fsync covered
        self._syncing = False

    def append(self, line: bytes, durable: bool = True) -> int:
        """Append ``line``; its offset. ``durable``: returns once it is on disk;
        otherwise it rides the next fsync."""
        offset = self.size
        _write_all(self._fd, line)
        self.size += len(line)
        self._written += 1
        if durable:
            self.sync()
        return offset

    def sync(self) -> None:
        """Wait until everything written so far is on disk (group commit)."""
        sequence = self._written
        while self._synced < sequence:
            if self._syncing:
                self.cond.wait()
                continue
            self._syncing = True
            target, fd = self._written, self._fd
            self.cond.release()
            try:
                _sync(fd)
            finally:
                self.cond.acquire()
                self._syncing = False
                self.cond.notify_all()
            self._synced = max(self._synced, target)

    def read_at(self, offset: int, length: int) -> bytes:
        return os.pread(self._fd, length, offset)

    def replace(self, lines: Iterable[bytes]) -> None:
        """Make the file hold exactly ``lines`` (temp file, fsync, rename, fsync of
        the directory); what was written before is then durable or gone."""
        self.wait_idle()
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        size = 0
        try:
            for line in lines:
                _write_all(fd, line)
                size += len(line)
            os.fsync(fd)
            os.replace(temporary, self.path)
        except BaseException:
            os.close(fd)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self.size = fd, size
        self._synced = self._written

    def truncate(self, durable: bool = False) -> None:
        """Empty the file (``durable``: and wait for the disk)."""
        self.wait_idle()
        if self._fd >= 0:
            os.ftruncate(self._fd, 0)
            if durable:
                os.fsync(self._fd)
        self.size = 0

    def close(self) -> None:
        self.wait_idle()
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

    def wait_idle(self) -> None:
        """Wait for a running fsync to end (before the descriptor changes)."""
        while self._syncing:
            self.cond.wait()
