"""The durable record of durable executions (``PERSISTENCE=1``).

Written as the asynchronous event journal is (``journal_file.py``): one
append-only file, one line per record, ``<crc32 hex> <json>``; a change is answered (a checkpoint's new token, a
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

import logging
from pathlib import Path
from typing import Any, Iterable

from ..damage import move_aside
from ..journal_file import AppendFile, encode, read_records
from .model import Execution

log = logging.getLogger("lambda.durable.journal")

COMPACT_BYTES = 64 * 1024 * 1024


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
        self._file = AppendFile(path)

    def load(self) -> list[Execution]:
        """Open the journal; the executions a previous run left (finished or not)."""
        executions: dict[str, Execution] = {}
        bad = 0
        for record in read_records(self.path, log):
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
        line = encode(record)
        with self._file.cond:
            self._file.append(line)

    @property
    def size(self) -> int:
        return self._file.size

    def rewrite(self, executions: Iterable[Execution]) -> None:
        """Replace the file with one ``put`` per execution."""
        lines = [encode({"op": "put", "id": execution.arn, "execution": execution.to_json()})
                 for execution in executions]
        with self._file.cond:
            self._file.replace(lines)

    def clear(self) -> None:
        self.rewrite([])

    def close(self) -> None:
        with self._file.cond:
            self._file.close()
