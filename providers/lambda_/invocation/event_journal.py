"""The durable record of accepted asynchronous events (``PERSISTENCE=1``).

An ``Event`` invoke is answered 202 only once its event is on disk; a restart
(even after ``kill -9``) re-queues every event that had not reached a final
outcome, with its retry state (attempts, throttles, when the next attempt is
due, when it was received), so that ages and retries carry on where they were.

One append-only file, one line per record: ``<crc32 hex> <json>``
(``journal_file.py``, shared with the durable execution journal). ``put``
adds an event, ``update`` replaces its retry state, ``done`` removes it.
Writers append and then wait until an ``fsync`` covers their line; concurrent
writers share one ``fsync`` (group commit): whoever finds no sync running
starts one for everything written so far, the others wait for it. ``done``
does not wait: losing it in a crash redelivers the event, which at-least-once
delivery allows. The file is truncated whenever no event is live, and rewritten
with only the live events (temp file, fsync, rename) when mostly dead.

A torn last line (the crash hit mid-append; its writer was never answered) is
dropped. A damaged line elsewhere is reported: the file is moved aside (never
deleted) and the events that could be read are kept.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..damage import move_aside
from ..journal_file import AppendFile, encode, parse, read_records

log = logging.getLogger("lambda.async.journal")

COMPACT_MIN_BYTES = 8 * 1024 * 1024  # rewrite only past this size...
COMPACT_LIVE_RATIO = 4  # ...and when live records are less than a quarter of it


@dataclass
class JournalRecord:
    """An event as the journal holds it (``AsyncQueue`` turns it back into an event)."""

    request_id: str
    account_id: str
    region: str
    function_name: str
    version: str
    invoked_arn: str
    payload: bytes
    received: float
    attempts: int = 0
    throttles: int = 0
    due: float = 0.0  # wall-clock time of the next attempt
    last_result: Optional[dict[str, Any]] = None  # payload (base64), function_error, executed_version


@dataclass
class _Entry:
    put_offset: int
    put_length: int
    update: Optional[bytes] = None  # the latest update line


@dataclass
class JournalDamage:
    path: Path
    moved_to: Path
    reason: str
    recovered: int = 0


class EventJournal:
    def __init__(self, path: Path, compact_min_bytes: int = COMPACT_MIN_BYTES) -> None:
        self.path = path
        self._compact_min_bytes = compact_min_bytes
        self.damage: Optional[JournalDamage] = None
        self._file = AppendFile(path)
        self._cond = self._file.cond  # guards the file and the entries
        self._entries: dict[str, _Entry] = {}
        self._live_bytes = 0

    # Start-up -----------------------------------------------------------------------------
    def load(self) -> list[JournalRecord]:
        """Open the journal; returns the events a previous run left unfinished."""
        records: dict[str, dict[str, Any]] = {}
        bad = 0
        for record in read_records(self.path, log):
            if record is None:
                bad += 1
                continue
            op = record.get("op")
            if op == "put":
                records[record["id"]] = record
            elif op == "update" and record["id"] in records:
                records[record["id"]].update({k: v for k, v in record.items() if k != "op"})
            elif op == "done":
                records.pop(record["id"], None)
        events = []
        for record in records.values():
            try:
                events.append(_from_record(record))
            except (KeyError, TypeError, ValueError):
                bad += 1
        if bad:
            moved = move_aside(self.path)
            assert moved is not None
            self.damage = JournalDamage(self.path, moved, f"{bad} damaged record(s)", len(events))
            log.error("damaged asynchronous event journal %s: %d damaged record(s) skipped, %d event(s) recovered; "
                      "the damaged file was moved to %s", self.path, bad, len(events), moved)
        with self._cond:
            self._rewrite_lines([encode(_to_record(event, "put")) for event in events])
        return events

    # Writing --------------------------------------------------------------------------------
    def put(self, event: JournalRecord) -> None:
        """Record a new event; returns once it is durable."""
        line = encode(_to_record(event, "put"))
        with self._cond:
            offset = self._file.append(line, durable=False)
            self._entries[event.request_id] = _Entry(offset, len(line))
            self._live_bytes += len(line)
            self._file.sync()

    def update(self, event: JournalRecord, durable: bool = True) -> None:
        """Record an event's new retry state; returns once it is durable (or at
        once when not ``durable``: it rides the next fsync)."""
        line = encode(_state_record(event))
        with self._cond:
            entry = self._entries.get(event.request_id)
            if entry is None:
                return
            self._file.append(line, durable=False)
            self._live_bytes += len(line) - len(entry.update or b"")
            entry.update = line
            if durable:
                self._file.sync()

    def done(self, request_id: str) -> None:
        """The event reached its final outcome (does not wait for the disk)."""
        with self._cond:
            entry = self._entries.pop(request_id, None)
            if entry is None:
                return
            self._live_bytes -= entry.put_length + len(entry.update or b"")
            if not self._entries:
                self._file.truncate()
                self._live_bytes = 0
            elif self._file.size > self._compact_min_bytes and self._live_bytes * COMPACT_LIVE_RATIO < self._file.size:
                self._compact()
            else:
                self._file.append(encode({"op": "done", "id": request_id}), durable=False)

    def clear(self) -> None:
        """Reset: forget every event."""
        with self._cond:
            self._entries.clear()
            self._file.truncate(durable=True)
            self._live_bytes = 0

    def close(self) -> None:
        with self._cond:
            self._file.close()

    # Internals (under the lock) -------------------------------------------------------------
    def _compact(self) -> None:
        self._file.wait_idle()  # no sync running: nothing changes the entries meanwhile
        lines: list[bytes] = []
        for entry in self._entries.values():
            lines.append(self._file.read_at(entry.put_offset, entry.put_length))
            if entry.update:
                lines.append(entry.update)
        self._rewrite_lines(lines)

    def _rewrite_lines(self, lines: list[bytes]) -> None:
        """Replace the file with ``lines`` (only live events: a put, then its latest update)."""
        entries: dict[str, _Entry] = {}
        size = 0
        for line in lines:
            record = parse(line.rstrip(b"\n"))
            assert record is not None
            if record["op"] == "put":
                entries[record["id"]] = _Entry(size, len(line))
            elif record["id"] in entries:
                entries[record["id"]].update = line
            size += len(line)
        self._file.replace(lines)
        self._entries, self._live_bytes = entries, size


def _to_record(event: JournalRecord, op: str) -> dict[str, Any]:
    record = _state_record(event)
    record.update({
        "op": op,
        "account": event.account_id,
        "region": event.region,
        "function": event.function_name,
        "version": event.version,
        "arn": event.invoked_arn,
        "payload": base64.b64encode(event.payload).decode(),
        "received": event.received,
    })
    return record


def _state_record(event: JournalRecord) -> dict[str, Any]:
    return {"op": "update", "id": event.request_id, "attempts": event.attempts, "throttles": event.throttles,
            "due": event.due, "result": event.last_result}


def _from_record(record: dict[str, Any]) -> JournalRecord:
    return JournalRecord(
        request_id=record["id"],
        account_id=str(record["account"]),
        region=str(record["region"]),
        function_name=str(record["function"]),
        version=str(record["version"]),
        invoked_arn=str(record["arn"]),
        payload=base64.b64decode(record["payload"], validate=True),
        received=float(record["received"]),
        attempts=int(record.get("attempts") or 0),
        throttles=int(record.get("throttles") or 0),
        due=float(record.get("due") or 0.0),
        last_result=record.get("result") if isinstance(record.get("result"), dict) else None,
    )
