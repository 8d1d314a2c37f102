"""The durable record of durable executions (``PERSISTENCE=1``).

The same approach as the asynchronous event journal
(``invocation/event_journal.py``): one append-only file, one line per record,
``<crc32 hex> <json>``; a change is answered (a checkpoint's new token, a
callback's 200, an invoke's execution ARN) only once an ``fsync`` covers its
line, and concurrent writers share one ``fsync`` (group commit). Records:

- ``put``: a whole execution (when it starts, and in a rewrite);
- ``change``: what one change did: operations upserted, events appended, and
  the execution's status, result, error, timers, callbacks and updated ids;
- ``delete``: DeleteDurableExecution.

At start the file is read back (a torn last line, never acknowledged, is
dropped; a damaged line elsewhere moves the file aside, keeping what could be
read) and rewritten with one ``put`` per execution; while running it is
rewritten the same way once it grows past ``COMPACT_BYTES``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Any, Iterable, Optional

from ..damage import move_aside
from .model import Execution

log = logging.getLogger("lambda.durable.journal")

COMPACT_BYTES = 64 * 1024 * 1024
_sync = getattr(os, "fdatasync", os.fsync)


def _line(record: dict[str, Any]) -> bytes:
    body = json.dumps(record, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(body), body)


def _parse(line: bytes) -> Optional[dict[str, Any]]:
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


def change_record(execution: Execution, since_change: int, since_event: int) -> dict[str, Any]:
    """What changed in ``execution`` since change number ``since_change`` and event ``since_event``."""
    return {
        "op": "change", "id": execution.arn,
        "ops": execution.changed_since(since_change), "events": execution.events[since_event:],
        "status": execution.status, "end": execution.end, "result": execution.result, "error": execution.error,
        "timers": [timer.to_json() for timer in execution.timers], "callbacks": execution.callbacks,
        "updated_ids": execution.updated_ids, "in_flight": execution.invoking,
        "pause": execution.pause_details, "paused_since": execution.paused_since,
    }


def _apply_change(execution: Execution, record: dict[str, Any]) -> None:
    from .model import Timer

    for operation in record["ops"]:
        execution.put_operation(operation)
    execution.events.extend(record["events"])
    execution.status, execution.end = record["status"], record["end"]
    execution.result, execution.error = record["result"], record["error"]
    execution.timers = [Timer.from_json(timer) for timer in record["timers"]]
    execution.callbacks = dict(record["callbacks"])
    execution.updated_ids = list(record["updated_ids"])
    execution.interrupted = bool(record.get("in_flight"))
    execution.pause_details = record.get("pause")
    execution.paused_since = record.get("paused_since")


class DurableJournal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition(threading.Lock())
        self._fd = -1
        self._size = 0
        self._written = 0
        self._synced = 0
        self._syncing = False

    def load(self) -> list[Execution]:
        """Open the journal; the executions a previous run left (finished or not)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        executions: dict[str, Execution] = {}
        lines = raw.split(b"\n")
        torn_tail = lines.pop()
        bad = 0
        for line in lines:
            record = _parse(line)
            try:
                if record is None:
                    raise ValueError("damaged line")
                if record["op"] == "put":
                    executions[record["id"]] = Execution.from_json(record["execution"])
                elif record["op"] == "change" and record["id"] in executions:
                    _apply_change(executions[record["id"]], record)
                elif record["op"] == "delete":
                    executions.pop(record["id"], None)
            except (KeyError, TypeError, ValueError):
                bad += 1
        if torn_tail:
            log.warning("%s: dropped a partly written last record (%d bytes; it was never acknowledged)",
                        self.path, len(torn_tail))
        if bad:
            moved = move_aside(self.path)
            log.error("damaged durable execution journal %s: %d damaged record(s) skipped, %d execution(s) "
                      "recovered; the damaged file was moved to %s", self.path, bad, len(executions), moved)
        self.rewrite(executions.values())
        return list(executions.values())

    # Writing --------------------------------------------------------------------------------
    def put(self, execution: Execution) -> None:
        self.write({"op": "put", "id": execution.arn, "execution": execution.to_json()})

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record``; returns once it is on disk."""
        line = _line(record)
        with self._cond:
            view = memoryview(line)
            while view:
                view = view[os.write(self._fd, view):]
            self._size += len(line)
            self._written += 1
            self._wait_durable(self._written)

    @property
    def size(self) -> int:
        return self._size

    def rewrite(self, executions: Iterable[Execution]) -> None:
        """Replace the file with one ``put`` per execution (temp file, fsync, rename)."""
        lines = [_line({"op": "put", "id": execution.arn, "execution": execution.to_json()})
                 for execution in executions]
        with self._cond:
            while self._syncing:
                self._cond.wait()
            temporary = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
            try:
                for line in lines:
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view):]
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
            self._fd, self._size = fd, sum(len(line) for line in lines)
            self._synced = self._written

    def clear(self) -> None:
        self.rewrite([])

    def close(self) -> None:
        with self._cond:
            while self._syncing:
                self._cond.wait()
            if self._fd >= 0:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1

    def _wait_durable(self, sequence: int) -> None:
        """Group commit: one fsync covers every line written before it started."""
        while self._synced < sequence:
            if self._syncing:
                self._cond.wait()
                continue
            self._syncing = True
            target, fd = self._written, self._fd
            self._cond.release()
            try:
                _sync(fd)
            finally:
                self._cond.acquire()
                self._syncing = False
                self._cond.notify_all()
            self._synced = max(self._synced, target)

