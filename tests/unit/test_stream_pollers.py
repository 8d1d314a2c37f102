"""The stream poller core's pure parts: how a function's answer is read, where
the checkpoint may go, tumbling windows, failure-record object keys, lanes;
the companions' item sizes and change notices. (End to end:
tests/integration/event_sources/test_kinesis*.py, test_dynamodb_streams*.py.)"""

from __future__ import annotations

import json
import re
import threading

import pytest

from gateway.notices import ChangeNotices
from providers.companions.change_notices import dynamodb_keys, kinesis_keys
from providers.companions.dynamodb_stream_records import item_size
from providers.lambda_.backend.values import InvokeOutcome
from providers.lambda_.event_sources.streams.checkpoints import ShardCheckpoint
from providers.lambda_.event_sources.streams.failures import object_key
from providers.lambda_.event_sources.streams.lanes import lane_of
from providers.lambda_.event_sources.streams.progress import Progress
from providers.lambda_.event_sources.streams.responses import NO_STATE, interpret
from providers.lambda_.event_sources.streams.source import Position, StreamRecord
from providers.lambda_.event_sources.streams.windows import TumblingWindow
from providers.lambda_.invocation.models import InvocationResult


def outcome(answer: object = None, raw: bytes = b"", error: str = None) -> InvokeOutcome:
    payload = raw if answer is None else json.dumps(answer).encode()
    return InvokeOutcome(200, InvocationResult(request_id="r", payload=payload, function_error=error))


RECORDS = [StreamRecord({}, sequence, 0.0, "k", 10) for sequence in ("101", "102", "103")]


# ReportBatchItemFailures, as AWS's recorded outcomes read them ---------------------------------------
@pytest.mark.parametrize("answer", ["", [], None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, 42,
                                    "text"])
def test_answers_that_succeed_the_whole_batch(answer):
    assert interpret(outcome(answer) if answer is not None else outcome(raw=b"null"), RECORDS, True, False).ok


def test_an_answer_that_is_not_json_succeeds():
    assert interpret(outcome(raw=b"<not json>"), RECORDS, True, False).ok
    assert interpret(outcome(raw=b""), RECORDS, True, False).ok


@pytest.mark.parametrize("failures", [[{"itemIdentifier": 123}], [{"itemIdentifier": ""}], [{"itemIdentifier": None}],
                                      [{"foo": 123}], [{"foo": None}], [{"itemIdentifier": "999"}], ["102"], "102"])
def test_answers_that_fail_the_whole_batch(failures):
    verdict = interpret(outcome({"batchItemFailures": failures}), RECORDS, True, False)
    assert (verdict.ok, verdict.partial, verdict.function_error) == (False, False, None)


def test_partial_failures_retry_from_the_lowest_failed_record():
    answer = {"batchItemFailures": [{"itemIdentifier": "103"}, {"itemIdentifier": "102"}]}
    assert interpret(outcome(answer), RECORDS, True, False).retry_from == 1


def test_item_failures_are_ignored_without_report_batch_item_failures():
    assert interpret(outcome({"batchItemFailures": [{"itemIdentifier": ""}]}), RECORDS, False, False).ok


def test_a_function_error_fails_the_batch():
    verdict = interpret(outcome(raw=b'{"errorMessage": "x"}', error="Unhandled"), RECORDS, True, False)
    assert (verdict.ok, verdict.function_error) == (False, "Unhandled")


def test_a_windowed_answer_needs_a_state():
    assert not interpret(outcome({}), RECORDS, False, True).ok
    verdict = interpret(outcome({"state": {"n": 3}}), RECORDS, False, True)
    assert (verdict.ok, verdict.state) == (True, {"n": 3})
    assert interpret(outcome({}), RECORDS, False, False).state is NO_STATE


# The checkpoint passes only an unbroken run of finished records ---------------------------------------
def test_the_checkpoint_moves_past_an_unbroken_run_of_finished_records():
    saved: list[str] = []
    progress = Progress(saved.append, threading.Event())
    progress.fetched(["1", "2", "3", "4", "5"])
    progress.finished(["2", "3"])  # a filtered record, another lane's batch: 1 still runs
    assert saved == []
    progress.finished(["1"])
    progress.finished(["5"])
    assert saved == ["3"] and progress.outstanding() == 2
    progress.finished(["4"])
    assert saved == ["3", "5"] and progress.outstanding() == 0


def test_a_shard_checkpoint_says_where_reading_resumes():
    assert ShardCheckpoint().resume_at() == Position("TRIM_HORIZON")
    start = Position("AT_TIMESTAMP", timestamp=1700000000.5)
    entry = ShardCheckpoint.from_json(ShardCheckpoint(start=start).to_json())
    assert entry.resume_at() == start
    entry = ShardCheckpoint.from_json({"sequence": "42", "start": start.to_json(), "done": True})
    assert (entry.resume_at(), entry.done) == (Position("AFTER_SEQUENCE_NUMBER", sequence="42"), True)


# Tumbling windows, lanes, failure objects ---------------------------------------------------------
def test_tumbling_windows_are_aligned_on_their_length():
    window = TumblingWindow(300, "shardId-000000000006", "arn:aws:kinesis:us-east-1:123456789012:stream/s")
    window.open(window.start_of(StreamRecord({}, "1", 1607497475.0, "k", 1)))
    assert window.fields() == {
        "window": {"start": "2020-12-09T07:00:00Z", "end": "2020-12-09T07:05:00Z"},
        "state": {},
        "shardId": "shardId-000000000006",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "isFinalInvokeForWindow": False,
        "isWindowTerminatedEarly": False,
    }
    window.state = {"big": "x" * (1024 * 1024)}
    assert window.state_too_large()


def test_records_of_one_key_share_a_lane():
    assert {lane_of("order-17", 7) for _ in range(5)} == {lane_of("order-17", 7)}
    assert lane_of("anything", 1) == 0
    assert len({lane_of(f"key-{n}", 10) for n in range(100)}) == 10


def test_the_s3_object_key_of_a_failure_record():
    key = object_key("6aa4fd8f-5bd1-4b59-9a3a-1d8bd3b0e1a2", "shardId-000000000000", 1573691886.021)
    assert re.fullmatch(r"aws/lambda/6aa4fd8f-5bd1-4b59-9a3a-1d8bd3b0e1a2/shardId-000000000000/2019/11/14/"
                        r"2019-11-14T00\.38\.06-[0-9a-f-]{36}", key), key


# Companions ----------------------------------------------------------------------------------------
def test_item_sizes_as_dynamodb_counts_them():
    keys = {"my_partition_key": {"S": "hello world"}}
    image = {**keys, "binary_key": {"B": "Zm9vYmFy"}}
    assert item_size(keys) + item_size(image) == 70  # AWS's recorded SizeBytes for this record
    assert item_size({"n": {"N": "12345"}}) == 1 + 4 and item_size({"n": {"N": "100"}}) == 1 + 2
    assert item_size({"m": {"M": {"a": {"L": [{"BOOL": True}, {"NULL": True}]}}}}) == 1 + 3 + (1 + 1 + (3 + 2 + 2))


def test_change_notices_wake_whoever_waits_on_the_key():
    notices = ChangeNotices()
    waiting, other = threading.Event(), threading.Event()
    notices.subscribe(("kinesis", "1", "r", "s"), waiting)
    notices.subscribe(("kinesis", "1", "r", "t"), other)
    notices.publish(("kinesis", "1", "r", "s"))
    assert waiting.is_set() and not other.is_set()
    notices.unsubscribe(("kinesis", "1", "r", "t"), other)
    notices.publish(("kinesis", "1", "r", "t"))
    assert not other.is_set()


def test_which_requests_publish_change_notices():
    arn = "arn:aws:kinesis:eu-west-1:111111111111:stream/orders"
    assert kinesis_keys("PutRecords", "1", "eu-west-1", {"StreamARN": arn}) == [("kinesis", "1", "eu-west-1", "orders")]
    assert kinesis_keys("SplitShard", "1", "r", {"StreamName": "s"}) == [("kinesis", "1", "r", "s"),
                                                                         ("kinesis-shards", "1", "r", "s")]
    assert kinesis_keys("GetRecords", "1", "r", {"StreamName": "s"}) == []
    assert dynamodb_keys("TransactWriteItems", "1", "r") == [("dynamodb", "1", "r")]
    assert dynamodb_keys("DeleteTable", "1", "r") == [("dynamodb", "1", "r"), ("dynamodb-tables", "1", "r")]
    assert dynamodb_keys("Query", "1", "r") == []
