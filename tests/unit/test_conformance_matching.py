"""The conformance runner's reading of AWS's requirement files: history wildcards, variables, expected logs."""

from __future__ import annotations

import json

from conformance import log_check
from conformance.history_match import HistoryMatcher
from conformance.requirements import Bindings

STARTED = {"EventType": "StepStarted", "SubType": "Step", "EventId": 2, "Id": "abc", "Name": "greet",
           "EventTimestamp": "2026-01-01T00:00:00Z", "StepStartedDetails": {}}
SUCCEEDED = {"EventType": "StepSucceeded", "SubType": "Step", "EventId": 3, "Id": "abc",
             "StepSucceededDetails": {"Result": {"Payload": '"Hello, x!"'}, "RetryDetails": {"CurrentAttempt": 1}}}


def match(expected: list[dict], actual: list[dict], bindings: Bindings | None = None) -> list[str]:
    return HistoryMatcher(bindings or Bindings()).match(expected, actual)


def test_events_pair_by_event_id_and_unlisted_events_or_keys_are_ignored() -> None:
    assert match([{"EventId": 3, "EventType": "StepSucceeded"}], [STARTED, SUCCEEDED]) == []
    assert match([{"EventId": 4, "EventType": "InvocationCompleted"}], [STARTED, SUCCEEDED]) == [
        "EventId 4: no such event (expected InvocationCompleted)"]


def test_wildcard_and_empty_object_accept_anything_but_the_key_must_exist() -> None:
    assert match([{"EventId": 2, "EventTimestamp": "*", "StepStartedDetails": {}}], [STARTED]) == []
    assert match([{"EventId": 2, "ParentId": "*"}], [STARTED]) == ["EventId 2.ParentId: missing (expected '*')"]


def test_placeholders_bind_once_and_must_agree_everywhere() -> None:
    bindings = Bindings()
    assert match([{"EventId": 2, "Id": "${ID1}"}, {"EventId": 3, "Id": "${ID1}"}], [STARTED, SUCCEEDED], bindings) == []
    assert bindings.values["ID1"] == "abc"
    other = dict(SUCCEEDED, Id="def")
    assert match([{"EventId": 2, "Id": "${ID1}"}, {"EventId": 3, "Id": "${ID1}"}], [STARTED, other]) == [
        "EventId 3.Id: ${ID1} is 'abc', got 'def'"]


def test_variables_substitute_inside_literals_and_regexes_search() -> None:
    bindings = Bindings({"INPUT_1": "x"})
    expected = {"EventId": 3, "StepSucceededDetails": {"Result": {"Payload": '"Hello, ${INPUT_1}!"'},
                                                       "RetryDetails": {"CurrentAttempt": "${/^[0-1]$/}"}}}
    assert match([expected], [SUCCEEDED], bindings) == []
    assert match([{"EventId": 3, "Name": "${/^gr/}"}], [dict(SUCCEEDED, Name="other")]) == [
        "EventId 3.Name: 'other' does not match /^gr/"]


def test_generated_variables_have_the_requested_length_and_alphabet() -> None:
    value = Bindings.from_variables({"CB": "${GEN_STR:12}", "FIXED": "approval"}).values
    assert len(value["CB"]) == 12 and value["CB"].isalnum() and value["CB"] == value["CB"].lower()
    assert value["FIXED"] == "approval"


def _event(record: dict, timestamp: int) -> dict:
    return {"timestamp": timestamp, "message": json.dumps(record)}


def test_expected_logs_count_only_the_execution_records_and_check_order() -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/durable-execution/e/1"
    events = [
        _event({"plugin": "P", "hook": "invocation-start", "first": True, "durableExecutionArn": arn}, 1),
        _event({"message": "Greeting step running for: abc", "executionArn": arn}, 2),
        _event({"message": "Greeting step running for: abc", "executionArn": "another"}, 2),
        {"timestamp": 3, "message": "plain line without an ARN"},
        _event({"plugin": "P", "hook": "invocation-end", "status": "SUCCEEDED", "durableExecutionArn": arn}, 4),
    ]
    records = log_check.execution_records(events, arn)
    assert len(records) == 3
    expectations = [
        {"match": {"message": "/Greeting step running for: ${INPUT_1}/"}, "count": 1,
         "after": [{"plugin": "P", "hook": "invocation-start", "first": True}]},
        {"match": {"plugin": "P", "hook": "invocation-start", "first": False}, "count": 0},
        {"match": {"plugin": "P", "hook": "invocation-end"}, "count": 1, "before": {"message": "/Greeting/"}},
    ]
    problems = log_check.check(expectations, records, Bindings({"INPUT_1": "abc"}))
    assert problems == ['ExpectedLogs[2] {"plugin": "P", "hook": "invocation-end"}: '
                        'a record comes after its anchor {"message": "/Greeting/"}']
