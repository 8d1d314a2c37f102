"""The durable execution journal (``providers/lambda_/durable/journal.py``): what
was acknowledged is read back whole; a torn last line (a crash mid-append, never
acknowledged) is dropped; a damaged line elsewhere moves the file aside and keeps
what could be read."""

from __future__ import annotations

from pathlib import Path

from providers.lambda_.durable import checkpoint, history
from providers.lambda_.durable.journal import DurableJournal, change_record
from providers.lambda_.durable.model import Execution, Timer


def new_execution(name: str = "e1") -> Execution:
    execution = Execution(
        arn=f"arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/{name}/{name}",
        name=name, execution_id=name, account_id="000000000000", region="us-east-1", function_name="f",
        version="$LATEST", function_arn="arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
        input_payload='{"a": 1}', durable_config={"ExecutionTimeout": 60},
    )
    execution.put_operation({"Id": name, "Type": "EXECUTION", "StartTimestamp": execution.start,
                             "Status": "STARTED", "ExecutionDetails": {"InputPayload": '{"a": 1}'}})
    history.add(execution, "ExecutionStarted", {"Input": history.data('{"a": 1}'), "ExecutionTimeout": 60})
    return execution


def write_changes(journal: DurableJournal, execution: Execution) -> None:
    journal.put(execution)
    execution.persisted = (execution.changes, len(execution.events))
    checkpoint.apply(execution, [{"Id": "s1", "Type": "STEP", "Action": "START", "Name": "one"},
                                 {"Id": "s1", "Type": "STEP", "Action": "SUCCEED", "Payload": '"x"'}], 1.0)
    journal.write(change_record(execution, *execution.persisted))
    execution.persisted = (execution.changes, len(execution.events))
    checkpoint.apply(execution, [{"Id": "w1", "Type": "WAIT", "Action": "START",
                                  "WaitOptions": {"WaitSeconds": 5}}], 1.0)
    execution.timers.append(Timer(execution.start + 5, "wait", "w1"))
    journal.write(change_record(execution, *execution.persisted))


def test_changes_are_read_back(tmp_path: Path):
    journal = DurableJournal(tmp_path / "durable.log")
    journal.load()
    execution = new_execution()
    write_changes(journal, execution)
    journal.close()

    loaded = DurableJournal(tmp_path / "durable.log").load()
    assert len(loaded) == 1
    again = loaded[0]
    assert list(again.operations) == ["e1", "s1", "w1"]
    assert again.operations["s1"]["StepDetails"]["Result"] == '"x"'
    assert [e["EventType"] for e in again.events] == ["ExecutionStarted", "StepStarted", "StepSucceeded",
                                                      "WaitStarted"]
    assert [(t.kind, t.operation_id) for t in again.timers] == [("wait", "w1")]
    assert again.events == execution.events


def test_a_torn_last_line_is_dropped_and_a_damaged_one_moves_the_file_aside(tmp_path: Path):
    path = tmp_path / "durable.log"
    journal = DurableJournal(path)
    journal.load()
    write_changes(journal, new_execution())
    journal.close()
    with open(path, "ab") as handle:
        handle.write(b'0badc0de {"op":"change"')  # the crash hit mid-append
    loaded = DurableJournal(path).load()
    assert [e["EventType"] for e in loaded[0].events][-1] == "WaitStarted"
    assert not list(tmp_path.glob("durable.log.corrupt-*"))

    lines = path.read_bytes().split(b"\n")
    lines.insert(0, b"00000000 {\"op\":\"put\",\"id\":\"x\"}")  # a bad checksum, not at the end
    path.write_bytes(b"\n".join(lines))
    recovered = DurableJournal(path).load()
    assert len(recovered) == 1 and recovered[0].execution_id == "e1"
    assert len(list(tmp_path.glob("durable.log.corrupt-*"))) == 1  # kept for inspection, never deleted


def test_the_starting_event_and_a_paused_timeout_are_read_back(tmp_path: Path):
    journal = DurableJournal(tmp_path / "durable.log")
    journal.load()
    execution = new_execution()
    execution.event_request_id = "request-1"  # started by an Event invoke: its failure is dead-lettered
    journal.put(execution)
    execution.persisted = (execution.changes, len(execution.events))
    execution.status, execution.paused_since = "PAUSED", 1234.5
    journal.write(change_record(execution, *execution.persisted))
    journal.close()

    [again] = DurableJournal(tmp_path / "durable.log").load()
    assert (again.event_request_id, again.status, again.paused_since) == ("request-1", "PAUSED", 1234.5)
