"""SQS mappings when the function fails or is throttled: the messages return
after their visibility timeout, the queue's redrive policy moves them to its
dead-letter queue, ``ReportBatchItemFailures`` answers are read as AWS reads
them (AWS's "Reporting batch item failures" success and failure conditions,
and test_lambda_integration_sqs.snapshot.json ``test_report_batch_item_failures*``),
and throttling (reserved concurrency, ``ScalingConfig.MaximumConcurrency``)
slows delivery without losing or repeating a message."""

from __future__ import annotations

import json

from .sqs_support import bodies, delivered, directive, most_at_once


def receive_counts(reports: list[dict], body: str) -> list[str]:
    return [record["attributes"]["ApproximateReceiveCount"] for record in delivered(reports) if record["body"] == body]


def test_a_failed_batch_returns_after_the_visibility_timeout_then_goes_to_the_dead_letter_queue(
        clients, reports, reporter):
    dlq_url, dlq_arn = clients.queue()
    url, arn = clients.queue(VisibilityTimeout="1", RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    uuid_ = clients.mapping(reporter, arn)
    poison, fine = directive(fail="always"), directive(fail="never")
    clients.sqs.send_message(QueueUrl=url, MessageBody=poison)
    found = reports.until(arn, lambda found: len(found) >= 2)
    assert receive_counts(found, poison) == ["1", "2"]
    first_received = int(delivered(found)[0]["attributes"]["ApproximateFirstReceiveTimestamp"]) / 1000
    assert found[1]["started"] >= first_received + 1  # back only once its visibility timeout passed
    dead = clients.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=10)["Messages"]
    assert [message["Body"] for message in dead] == [poison]
    clients.empties(url)
    assert len(reports.of(arn)) == 2  # never invoked a third time
    mapping = clients.lam.get_event_source_mapping(UUID=uuid_)
    assert mapping["State"] == "Enabled" and "LastProcessingResult" not in mapping

    clients.sqs.send_message(QueueUrl=url, MessageBody=fine)  # the mapping goes on
    assert receive_counts(reports.until(arn, lambda found: len(found) >= 3), fine) == ["1"]


def test_reported_item_failures_leave_only_those_messages(clients, reports, reporter):
    url, arn = clients.queue(VisibilityTimeout="1")
    sent = ["first", directive(fail="item-once", name="second"), "third"]
    clients.sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(index), "MessageBody": body} for index, body in enumerate(sent)])
    clients.mapping(reporter, arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    found = reports.until(arn, lambda found: len(found) >= 2)
    assert sorted(bodies(found[:1])) == sorted(sent)  # one batch of three
    assert bodies(found[1:]) == [sent[1]]  # only the failed one came back
    assert receive_counts(found, sent[1]) == ["1", "2"]
    clients.empties(url)


ANSWERS_FAILING_THE_BATCH = [
    {"batchItemFailures": [{"foo": "notvalid"}]},  # a bad key name (AWS-recorded)
    {"batchItemFailures": [{"itemIdentifier": "no-such-message"}]},  # a message ID not in the batch
    {"batchItemFailures": [{"itemIdentifier": ""}]},  # an empty string
    {"batchItemFailures": [{"itemIdentifier": None}]},  # null
    {"batchItemFailures": ["a string"]},
    {"batchItemFailures": "not a list"},
    "not an object",
    [{"itemIdentifier": "a list"}],
]
ANSWERS_SUCCEEDING = [
    {},  # AWS-recorded
    {"batchItemFailures": []},
    {"batchItemFailures": None},
    None,  # a null EventResponse
    {"statusCode": 200},
]


def test_answers_that_fail_or_succeed_the_whole_batch(clients, reports, reporter):
    # 13 messages, one per batch, start up to 5 environments at once: a visibility timeout
    # longer than a loaded machine's cold starts, so only failed batches come back.
    url, arn = clients.queue(VisibilityTimeout="5")
    clients.mapping(reporter, arn, BatchSize=1, FunctionResponseTypes=["ReportBatchItemFailures"])
    failing = [directive(answer=answer, case=index) for index, answer in enumerate(ANSWERS_FAILING_THE_BATCH)]
    succeeding = [directive(answer=answer, case=-index) for index, answer in enumerate(ANSWERS_SUCCEEDING, 1)]
    for body in failing + succeeding:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)

    def every_outcome_reported(found) -> bool:
        # Reports of a message's two deliveries may arrive in either order.
        return (all(sorted(receive_counts(found, body)) == ["1", "2"] for body in failing)
                and all(receive_counts(found, body) for body in succeeding))

    reports.until(arn, every_outcome_reported, timeout=40)
    clients.empties(url)
    found = reports.of(arn)
    for body in failing:
        assert sorted(receive_counts(found, body)) == ["1", "2"], json.loads(body)["answer"]
    for body in succeeding:
        assert receive_counts(found, body) == ["1"], json.loads(body)["answer"]


def test_maximum_concurrency_caps_concurrent_invocations(clients, reports, reporter):
    url, arn = clients.queue()
    sent = [directive(pause=0.4, index=index) for index in range(10)]
    for body in sent:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    clients.mapping(reporter, arn, BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    found = reports.until(arn, lambda found: len(found) >= 10, timeout=30)
    assert sorted(bodies(found)) == sorted(sent)  # each once
    assert most_at_once(found) == 2  # scaled out to the cap, never past it
    clients.empties(url)


def test_reserved_concurrency_slows_delivery_without_losing_a_message(clients, reports):
    throttled = clients.reporter(reports.url)
    clients.lam.put_function_concurrency(FunctionName=throttled, ReservedConcurrentExecutions=1)
    url, arn = clients.queue()
    sent = [directive(pause=0.3, index=index) for index in range(4)]
    for body in sent:
        clients.sqs.send_message(QueueUrl=url, MessageBody=body)
    clients.mapping(throttled, arn, BatchSize=1)
    found = reports.until(arn, lambda found: len(found) >= 4, timeout=30)
    assert sorted(bodies(found)) == sorted(sent)  # each once: throttled invocations are retried, not dropped
    assert most_at_once(found) == 1
    clients.empties(url)
