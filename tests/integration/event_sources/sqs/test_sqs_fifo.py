"""SQS FIFO queues as a mapping's source: records carry the FIFO attributes
(AWS's "Example Amazon SQS message event (FIFO queue)"), each message group
is processed in order with one batch in flight at a time, and a failure
holds the rest of its group back until it succeeds."""

from __future__ import annotations

import json
from typing import Any

from .sqs_support import delivered, directive

AWS_FIFO_ATTRIBUTES = ["ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
                       "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp"]


def message(group: str, number: int, **directives: Any) -> str:
    return directive(group=group, number=number, **directives)


def test_fifo_records_carry_sequence_group_and_deduplication(clients, reports, reporter):
    url, arn = clients.queue(fifo=True)
    clients.mapping(reporter, arn)
    sent = [clients.sqs.send_message(QueueUrl=url, MessageBody=message("g", n), MessageGroupId="g",
                                     MessageDeduplicationId=f"dedup-{n}") for n in (1, 2)]
    records = reports.records(arn, 2)
    assert [list(record["attributes"]) for record in records] == [AWS_FIFO_ATTRIBUTES] * 2
    assert [record["attributes"]["SequenceNumber"] for record in records] == [s["SequenceNumber"] for s in sent]
    assert int(sent[0]["SequenceNumber"]) < int(sent[1]["SequenceNumber"])
    assert [(r["attributes"]["MessageGroupId"], r["attributes"]["MessageDeduplicationId"]) for r in records] == [
        ("g", "dedup-1"), ("g", "dedup-2")]
    clients.empties(url)


def test_each_group_is_processed_in_order_past_failures(clients, reports, reporter):
    url, arn = clients.queue(fifo=True, VisibilityTimeout="1")
    plan = {("A", 2): {"fail": "once"},  # the whole batch fails, once
            ("B", 2): {"fail": "item-once"}}  # reported alone; the later B messages of its batch wait with it
    # Sent group after group: a batch of three holds three messages of one group.
    bodies = [message(group, number, **plan.get((group, number), {})) for group in "BAC" for number in range(1, 5)]
    for offset in range(0, len(bodies), 10):
        clients.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body, "MessageGroupId": json.loads(body)["group"]}
            for i, body in enumerate(bodies[offset:offset + 10])])
    clients.mapping(reporter, arn, BatchSize=3, FunctionResponseTypes=["ReportBatchItemFailures"])
    clients.empties(url, timeout=30)
    found = reports.of(arn, wait=1)

    # The last delivery of each message is the one that succeeded: per group, those come in order. A batch
    # that outlasts the 1 s visibility timeout (a loaded machine) is received again while it runs, as on AWS:
    # the group stays locked until that second receive is deleted, so its next messages still come after it.
    last: dict[str, int] = {}
    order = [json.loads(record["body"]) for record in delivered(found)]
    for index, body in enumerate(order):
        last[f"{body['group']}{body['number']}"] = index
    for group in "ABC":
        finals = [last[f"{group}{number}"] for number in range(1, 5)]
        assert finals == sorted(finals), (group, [f"{b['group']}{b['number']}" for b in order])
    # A2 failed its batch on its first receive and succeeded later; B2 was reported failed, then succeeded.
    deliveries = {name: [(report, record) for report in found for record in report["event"]["Records"]
                         if json.loads(record["body"]) == json.loads(message(*name, **plan[name]))]
                  for name in plan}
    a2, b2 = deliveries[("A", 2)], deliveries[("B", 2)]
    assert len(a2) >= 2 and a2[0][0]["raised"] and not a2[-1][0]["raised"]
    assert len(b2) >= 2 and b2[0][1]["messageId"] in b2[0][0]["failed"]
    assert b2[-1][1]["messageId"] not in b2[-1][0]["failed"]

    # One batch of a group at a time: invocations that overlap share no group, unless the later one holds the
    # earlier one's messages again (received once more after their visibility timeout ran out mid-invocation).
    def received(report: dict) -> dict[str, int]:
        return {r["messageId"]: int(r["attributes"]["ApproximateReceiveCount"]) for r in report["event"]["Records"]}

    groups = [({json.loads(r["body"])["group"] for r in report["event"]["Records"]}, report) for report in found]
    for i, (first_groups, first) in enumerate(groups):
        for second_groups, second in groups[i + 1:]:
            if first["started"] < second["ended"] and second["started"] < first["ended"]:
                again = {m for m, count in received(second).items() if count > received(first).get(m, count)}
                assert not first_groups & second_groups or again, (first, second)
