"""How durable executions end, as AWS documents it: an execution an Event invoke
started that ends FAILED, STOPPED or TIMED_OUT sends "the original triggering
event to the DLQ" (AWS's best practices for durable functions), and a pause with
``ExecutionTimeoutPaused`` (true by default) "extends the execution timeout by
the time the execution spends paused" (PauseDurableExecution). Execution timeouts
are real time, whatever ``LAMBDA_DURABLE_TIME_SCALE`` says. Real gateway, real
SQS queue, AWS's Python SDK unmodified."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import client_for, unique, wait_until, wait_updated
from .test_durable import (  # noqa: F401 (fixtures)
    callback_id, durable_function, durable_gateway, durable_zip, ended, event_types, events, lam, start_async)


@pytest.fixture(scope="module")
def sqs(durable_gateway) -> Any:
    return client_for(durable_gateway.url, "sqs")


def status_of(lam, arn: str) -> str:
    return lam.get_durable_execution(DurableExecutionArn=arn)["Status"]


def with_dead_letter_queue(lam, name: str, queue_arn: str) -> str:
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": queue_arn})
    wait_updated(lam, name)
    return name


def test_failed_stopped_and_timed_out_event_executions_send_their_event_to_the_dlq(lam, sqs, durable_zip):
    queue = unique("durable-dlq")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    queue_arn = f"arn:aws:sqs:us-east-1:000000000000:{queue}"
    flaky = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "flaky"), queue_arn)
    approval = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "approval"), queue_arn)
    brief = with_dead_letter_queue(lam, durable_function(lam, durable_zip, "approval", ExecutionTimeout=1), queue_arn)

    # Not dead-lettered: a synchronous invoke's failure (the caller has it), an Event execution that succeeds.
    response = lam.invoke(FunctionName=flaky, Payload=json.dumps({"max_attempts": 1, "succeed_on": 9, "n": 0}))
    assert response["FunctionError"] == "Unhandled"
    assert ended(lam, start_async(lam, flaky, {"max_attempts": 1, "succeed_on": 1}))["Status"] == "SUCCEEDED"

    sent: dict[str, tuple[dict, str]] = {}  # request id -> (event, status)
    for function, event, status in ((flaky, {"max_attempts": 1, "succeed_on": 9, "n": 1}, "FAILED"),
                                    (approval, {"n": 2}, "STOPPED"), (brief, {"n": 3}, "TIMED_OUT")):
        response = lam.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event))
        sent[response["ResponseMetadata"]["RequestId"]] = (event, status)
        arn = response["DurableExecutionArn"]
        if status == "STOPPED":
            callback_id(lam, arn)
            lam.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorMessage": "enough"})
        assert ended(lam, arn)["Status"] == status

    messages: list[dict] = []
    deadline = time.monotonic() + 30
    while len(messages) < len(sent):
        assert time.monotonic() < deadline, f"{len(messages)} of {len(sent)} dead letters"
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           MessageAttributeNames=["All"]).get("Messages", []):
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages"), "only the three"
    messages_by_status = {}
    for message in messages:
        attributes = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
        event, status = sent[attributes["RequestID"]]  # the Event invoke's request id
        assert json.loads(message["Body"]) == event  # "the original triggering event"
        assert attributes["ErrorCode"] == "200"
        messages_by_status[status] = attributes["ErrorMessage"]
    assert "attempt 1 failed" in messages_by_status["FAILED"]
    assert messages_by_status["STOPPED"] == "enough"
    assert messages_by_status["TIMED_OUT"]


def test_a_pause_with_its_timeout_paused_moves_the_timeout_on(lam, durable_zip):
    name = durable_function(lam, durable_zip, "approval", ExecutionTimeout=6)
    held = start_async(lam, name, {"n": 1})
    clock = start_async(lam, name, {"n": 2})  # starts after held: its timeout falls after held's
    for arn in (held, clock):
        callback_id(lam, arn)
        wait_until(lambda arn=arn: "InvocationCompleted" in event_types(lam, arn), timeout=30, message="suspended")
    lam.pause_durable_execution(DurableExecutionArn=held, Reason="deploying")  # ExecutionTimeoutPaused: true
    paused_at = time.time()
    lam.pause_durable_execution(DurableExecutionArn=clock, ExecutionTimeoutPaused=False)
    assert lam.get_durable_execution(DurableExecutionArn=held)["PauseDetails"]["ExecutionTimeoutPaused"] is True
    paused = [e for e in events(lam, held) if e["EventType"] == "ExecutionPaused"][0]["ExecutionPausedDetails"]
    assert paused["ExecutionTimeoutPaused"] is True and paused["Reason"]["Payload"] == "deploying"

    # The clock's timeout runs while it is paused; held's is stopped.
    wait_until(lambda: status_of(lam, clock) == "TIMED_OUT", timeout=30,
               interval=0.05, message="the clock timed out")
    assert status_of(lam, held) == "PAUSED"

    resumed_at = time.time()
    lam.resume_durable_execution(DurableExecutionArn=held, Reason="deployed")
    resumed = [e for e in events(lam, held) if e["EventType"] == "ExecutionResumed"][0]["ExecutionResumedDetails"]
    assert resumed["Reason"]["Payload"] == "deployed" and resumed["ResumeRequestTimestamp"]
    running = lam.get_durable_execution(DurableExecutionArn=held)
    start = running["StartTimestamp"].timestamp()
    moved_on = running["ExpectedExecutionTimeoutTimestamp"].timestamp() - (start + 6)
    assert moved_on >= resumed_at - paused_at - 0.5, moved_on
    finished = ended(lam, held, timeout=30)
    assert finished["Status"] == "TIMED_OUT"
    assert finished["EndTimestamp"].timestamp() - start >= 6 + resumed_at - paused_at - 0.5
