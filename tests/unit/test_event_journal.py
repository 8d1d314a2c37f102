"""The journal of accepted asynchronous events (``PERSISTENCE=1``): what a
restart finds, torn and damaged files, group commit, truncation and compaction."""

from __future__ import annotations

import threading
from pathlib import Path

from providers.lambda_.invocation.event_journal import EventJournal, JournalRecord


def record(request_id: str, payload: bytes = b'{"n": 1}', **state) -> JournalRecord:
    return JournalRecord(request_id=request_id, account_id="000000000000", region="us-east-1",
                         function_name="f", version="$LATEST",
                         invoked_arn="arn:aws:lambda:us-east-1:000000000000:function:f",
                         payload=payload, received=1700000000.5, **state)


def reopen(path: Path) -> tuple[EventJournal, dict[str, JournalRecord]]:
    journal = EventJournal(path)
    return journal, {r.request_id: r for r in journal.load()}


def test_a_restart_finds_unfinished_events_with_their_retry_state(tmp_path):
    path = tmp_path / "async-events.log"
    journal, found = reopen(path)
    assert found == {}
    journal.put(record("a", b"\x00binary\xff"))
    journal.put(record("b"))
    journal.put(record("c"))
    journal.update(record("b", attempts=2, throttles=1, due=1700000100.0,
                          last_result={"payload": "eyJ4IjoxfQ==", "function_error": "Unhandled",
                                       "executed_version": "$LATEST"}))
    journal.done("c")
    # no close(): what a kill -9 leaves
    _, found = reopen(path)
    assert sorted(found) == ["a", "b"]
    assert found["a"].payload == b"\x00binary\xff"
    assert found["a"].received == 1700000000.5
    assert (found["b"].attempts, found["b"].throttles, found["b"].due) == (2, 1, 1700000100.0)
    assert found["b"].last_result["function_error"] == "Unhandled"


def test_the_file_is_emptied_once_no_event_is_live(tmp_path):
    path = tmp_path / "async-events.log"
    journal, _ = reopen(path)
    for name in ("a", "b"):
        journal.put(record(name))
    assert path.stat().st_size > 0
    journal.done("a")
    journal.done("b")
    assert path.stat().st_size == 0
    journal.put(record("c"))
    _, found = reopen(path)
    assert list(found) == ["c"]


def test_a_mostly_dead_file_is_rewritten_with_the_live_events(tmp_path):
    path = tmp_path / "async-events.log"
    journal = EventJournal(path, compact_min_bytes=2000)
    journal.load()
    journal.put(record("keep", attempts=0))
    journal.update(record("keep", attempts=1, due=5.0))
    for index in range(40):
        journal.put(record(f"gone-{index}", b'{"pad": "' + b"x" * 100 + b'"}'))
        journal.done(f"gone-{index}")
    assert path.stat().st_size < 2000 + 400  # rewritten along the way, not 40 events long
    journal.put(record("late"))
    _, found = reopen(path)
    assert sorted(found) == ["keep", "late"]
    assert (found["keep"].attempts, found["keep"].due) == (1, 5.0)


def test_a_torn_last_record_was_never_acknowledged_and_is_dropped(tmp_path):
    path = tmp_path / "async-events.log"
    journal, _ = reopen(path)
    journal.put(record("a"))
    with open(path, "ab") as handle:
        handle.write(b"0badc0de {\"op\":\"put\",\"id\":\"half")  # a crash mid-append
    journal2, found = reopen(path)
    assert list(found) == ["a"]
    assert journal2.damage is None
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_a_damaged_record_is_reported_and_the_file_moved_aside(tmp_path):
    path = tmp_path / "async-events.log"
    journal, _ = reopen(path)
    for name in ("a", "b", "c"):
        journal.put(record(name))
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"id":"b"', b'"id":"B"')  # the checksum no longer matches
    path.write_bytes(b"\n".join(lines))
    journal2, found = reopen(path)
    assert sorted(found) == ["a", "c"]
    assert journal2.damage is not None and journal2.damage.recovered == 2
    moved = journal2.damage.moved_to
    assert moved.exists() and moved.name.startswith("async-events.log.corrupt-")
    assert b'"id":"B"' in moved.read_bytes()  # kept as it was, for inspection
    _, again = reopen(path)  # the recovered events were written to a fresh journal
    assert sorted(again) == ["a", "c"]


def test_concurrent_writers_all_become_durable(tmp_path):
    path = tmp_path / "async-events.log"
    journal, _ = reopen(path)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for index in range(50):
                journal.put(record(f"{worker}-{index}"))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    _, found = reopen(path)
    assert len(found) == 400


def test_reset_forgets_every_event(tmp_path):
    path = tmp_path / "async-events.log"
    journal, _ = reopen(path)
    journal.put(record("a"))
    journal.clear()
    journal.put(record("b"))
    _, found = reopen(path)
    assert list(found) == ["b"]
