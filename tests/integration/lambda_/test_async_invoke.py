"""Asynchronous invocation: Event invokes, retries, event age, destinations
(SQS, SNS, Lambda, EventBridge), the dead-letter queue, throttled events,
InvokeAsync.

These run on a gateway of their own with ``LAMBDA_ASYNC_RETRY_BASE_MS=50`` so
retries take milliseconds instead of AWS's minutes (1 then 2: the base, then twice
it, as LocalStack's AWS-validated TestLambdaDestinationSqs::test_retries times them).

AWS facts: the invocation record
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html)
and its exact shape per condition from LocalStack's snapshots recorded against
AWS (tests/aws/services/lambda_/test_lambda_destinations.snapshot.json:
TestLambdaDestinationSqs::test_assess_lambda_destination_invocation (Success,
RetriesExhausted), ::test_retries (approximateInvokeCount 3), ::test_maxeventage
(EventAgeExceeded keeps the last responseContext/responsePayload),
TestLambdaDLQ::test_dead_letter_queue (the event as body, message attributes
RequestID / ErrorCode "200" (Number) / ErrorMessage)),
test_lambda.snapshot.json: TestLambdaConcurrency::test_reserved_concurrency (reserved
concurrency 0: the event goes to OnFailure at once, condition "ZeroReservedConcurrency",
approximateInvokeCount 0, no responseContext). Throttled events are retried until
their maximum age, 1 s doubling to 5 minutes
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). The EventBridge event:
source "lambda", detail-type "Lambda Function Invocation Result - Success|Failure",
resources = the function and the destination (aws-cdk's aws-lambda-destinations
README).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from .conftest import client_for, create_function, python_zip, unique, wait_until

ACCOUNT = "000000000000"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# Reports every attempt to the queue in ATTEMPTS_QUEUE_URL, then fails if asked to.
ASYNC_HANDLER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    sqs.send_message(QueueUrl=os.environ["ATTEMPTS_QUEUE_URL"],
                     MessageBody=json.dumps({"requestId": context.aws_request_id, "event": event}))
    if event.get("fail"):
        raise Exception("intentional failure")
    return {"ok": True, "echo": event}
"""

# Forwards whatever it is invoked with (a destination record) to FORWARD_QUEUE_URL.
FORWARDER = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["FORWARD_QUEUE_URL"], MessageBody=json.dumps(event))
"""


@pytest.fixture(scope="module")
def gw(special_gateway):
    return special_gateway(LAMBDA_ASYNC_RETRY_BASE_MS="50", DEBUG="1", LAMBDA_TRUNCATE_STDOUT="200")


@pytest.fixture(scope="module")
def clients(gw) -> dict[str, Any]:
    return {name: client_for(gw.url, name) for name in ("lambda", "sqs", "sns", "events")}


def new_queue(sqs) -> tuple[str, str]:
    name = unique("q")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def receive(sqs, url: str, count: int, timeout: float = 15.0, attributes: bool = False) -> list[dict]:
    """Poll until ``count`` messages arrived (and fail if more show up shortly after)."""
    messages: list[dict] = []
    deadline = time.monotonic() + timeout

    def pull(wait: int = 0) -> None:
        kwargs = {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": wait}
        if attributes:
            kwargs["MessageAttributeNames"] = ["All"]
        for message in sqs.receive_message(**kwargs).get("Messages", []):
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    while len(messages) < count:
        assert time.monotonic() < deadline, f"only {len(messages)} of {count} messages within {timeout}s"
        pull()
        if len(messages) < count:
            time.sleep(0.05)
    return messages


def async_function(clients, **kwargs) -> tuple[str, str]:
    """A function reporting its attempts to a queue; returns (name, attempts queue url)."""
    attempts_url, _ = new_queue(clients["sqs"])
    environment = {"Variables": {"ATTEMPTS_QUEUE_URL": attempts_url}}
    name = create_function(clients["lambda"], zip_bytes=python_zip(ASYNC_HANDLER), Environment=environment, **kwargs)
    return name, attempts_url


def function_arn(name: str, qualifier: str = "$LATEST") -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}:{qualifier}"


def assert_record(record: dict, name: str, request_id: str, condition: str, count: int, request: dict) -> None:
    assert list(record)[:4] == ["version", "timestamp", "requestContext", "requestPayload"]
    assert record["version"] == "1.0"
    assert ISO.match(record["timestamp"]), record["timestamp"]
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": function_arn(name),
        "condition": condition,
        "approximateInvokeCount": count,
    }
    assert record["requestPayload"] == request


# Event invokes -----------------------------------------------------------------------------------
def test_event_invoke_runs_once_with_the_returned_request_id(clients):
    name, attempts = async_function(clients)
    response = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    assert response["StatusCode"] == 202
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    [message] = receive(clients["sqs"], attempts, 1)
    assert json.loads(message["Body"]) == {"requestId": request_id, "event": {"n": 1}}


def test_invoke_async_deprecated_api(clients):
    name, attempts = async_function(clients)
    response = clients["lambda"].invoke_async(FunctionName=name, InvokeArgs=b'{"legacy": true}')
    assert response["Status"] == 202
    [message] = receive(clients["sqs"], attempts, 1)
    assert json.loads(message["Body"])["event"] == {"legacy": True}


def test_event_payload_limit(clients):
    name, _ = async_function(clients)
    from botocore.exceptions import ClientError

    payload = json.dumps({"data": "x" * (1024 * 1024)}).encode()
    with pytest.raises(ClientError) as error:
        clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error.value.response["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


# Retries ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("retries", [0, 1, 2, None])
def test_maximum_retry_attempts(clients, retries):
    name, attempts = async_function(clients)
    failures, failures_arn = new_queue(clients["sqs"])
    config: dict[str, Any] = {"DestinationConfig": {"OnFailure": {"Destination": failures_arn}}}
    if retries is not None:
        config["MaximumRetryAttempts"] = retries
    clients["lambda"].put_function_event_invoke_config(FunctionName=name, **config)
    response = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    expected = 1 + (2 if retries is None else retries)  # AWS retries twice by default
    [record_message] = receive(clients["sqs"], failures, 1)
    ran = receive(clients["sqs"], attempts, expected)
    assert [json.loads(m["Body"])["requestId"] for m in ran] == [request_id] * expected, "retries keep the request id"
    assert not clients["sqs"].receive_message(QueueUrl=attempts, WaitTimeSeconds=0).get("Messages"), "no extra attempt"
    record = json.loads(record_message["Body"])
    assert_record(record, name, request_id, "RetriesExhausted", expected, {"fail": True})
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    payload = record["responsePayload"]
    assert (payload["errorMessage"], payload["errorType"], payload["requestId"]) == (
        "intentional failure", "Exception", request_id)
    assert payload["stackTrace"]


def test_event_age_exceeded_keeps_the_last_response():
    """MaximumEventAgeInSeconds is at least 60 on AWS, too long for a test: the queue
    itself is driven here with an event that aged while it waited for its retry."""
    from providers.lambda_.invocation.async_queue import AsyncQueue
    from providers.lambda_.invocation.models import InvocationResult

    delivered: list[tuple[str, dict]] = []
    dead: list[tuple] = []

    class Target:
        account_id, region, function_name, version = ACCOUNT, "us-east-1", "aged", "$LATEST"
        config = {"DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}}

    def invoke(target, invocation):
        # The event grows old while it runs: the retry finds it past its maximum age.
        event.received -= 120
        return InvocationResult(invocation.request_id, b'{"errorMessage": "failed"}', "Unhandled")

    config = {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 2,
              "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failures"}}}
    queue = AsyncQueue(invoke, lambda target: config, lambda t, arn, record: delivered.append((arn, record)),
                       lambda *args: dead.append(args), workers=1, retry_base_seconds=0.01)
    try:
        event = queue.enqueue(Target(), b'{"old": true}', delay=0.05)
        wait_until(lambda: delivered and dead, 5, message="the aged event failed")
    finally:
        queue.stop()
    [(arn, record)] = delivered
    assert arn.endswith(":failures")
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"] == {"errorMessage": "failed"}
    assert dead[0][1] == "arn:aws:sqs:us-east-1:000000000000:dlq"


def test_throttled_events_wait_and_all_run(clients, gw):
    """Reserved concurrency 1 and 15 queued events: every one runs, once; throttles
    are not attempts (MaximumRetryAttempts 0 and no failure record)."""
    name, attempts = async_function(clients, Timeout=30)
    lam = clients["lambda"]
    failures, failures_arn = new_queue(clients["sqs"])
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    ids = []
    for n in range(15):
        response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": n, "sleep": 0.1}))
        assert response["StatusCode"] == 202
        ids.append(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])
    ran = receive(clients["sqs"], attempts, 15, timeout=60)
    assert sorted(json.loads(m["Body"])["event"]["n"] for m in ran) == list(range(15))
    assert sorted(json.loads(m["Body"])["requestId"] for m in ran) == sorted(ids)
    logs = gw.logs()
    assert any(f"async event {i} not invoked (TooManyRequestsException)" in logs for i in ids), "some were throttled"
    assert not clients["sqs"].receive_message(QueueUrl=failures, WaitTimeSeconds=0).get("Messages")


def test_zero_reserved_concurrency_sends_events_to_on_failure(clients):
    # test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency ("msg").
    dlq_url, dlq_arn = new_queue(clients["sqs"])
    name, attempts = async_function(clients, DeadLetterConfig={"TargetArn": dlq_arn})
    lam = clients["lambda"]
    failures, failures_arn = new_queue(clients["sqs"])
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    [message] = receive(clients["sqs"], failures, 1)
    record = json.loads(message["Body"])
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload"]
    assert_record(record, name, request_id, "ZeroReservedConcurrency", 0, {})
    [dead] = receive(clients["sqs"], dlq_url, 1, attributes=True)
    assert json.loads(dead["Body"]) == {}
    assert dead["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    assert not clients["sqs"].receive_message(QueueUrl=attempts, WaitTimeSeconds=0).get("Messages"), "never ran"


def test_throttled_event_ages_out_without_counting_attempts():
    """A throttled event is tried until MaximumEventAgeInSeconds (not stopped by
    MaximumRetryAttempts 0), then goes to OnFailure as EventAgeExceeded with no
    response, and to the DLQ as a throttle (the queue driven directly: AWS's
    minimum age, 60 s, is too long for a test)."""
    from gateway.errors import ServiceError
    from providers.lambda_.invocation.async_queue import AsyncQueue

    delivered: list[tuple[str, dict]] = []
    dead: list[tuple] = []
    tries: list[float] = []

    class Target:
        account_id, region, function_name, version = ACCOUNT, "us-east-1", "throttled", "$LATEST"
        config = {"DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}}

    def invoke(target, invocation):
        tries.append(time.monotonic())
        raise ServiceError("TooManyRequestsException", "Rate Exceeded.", status=429)

    config = {"MaximumEventAgeInSeconds": 2.5, "MaximumRetryAttempts": 0,
              "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failures"}}}
    queue = AsyncQueue(invoke, lambda target: config, lambda t, arn, record: delivered.append((arn, record)),
                       lambda *args: dead.append(args), workers=1, retry_base_seconds=0.01)
    try:
        queue.enqueue(Target(), b'{"n": 1}')
        wait_until(lambda: delivered and dead, 10, message="the throttled event aged out")
    finally:
        queue.stop()
    assert len(tries) >= 2, "retried although MaximumRetryAttempts is 0"
    assert tries[1] - tries[0] >= 0.9, "AWS's first throttle retry comes after 1 s"
    [(_, record)] = delivered
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record and "responsePayload" not in record
    assert dead[0][5] == ("429", "Rate Exceeded.")


def test_function_errors_wait_the_base_delay_then_twice_it():
    """AWS retries a failed event after about 1 minute, then 2 more (LocalStack's
    AWS-validated TestLambdaDestinationSqs::test_retries): base, then 2 x base."""
    from providers.lambda_.invocation.async_queue import AsyncQueue
    from providers.lambda_.invocation.models import InvocationResult

    tries: list[float] = []
    delivered: list[dict] = []

    class Target:
        account_id, region, function_name, version = ACCOUNT, "us-east-1", "failing", "$LATEST"
        config: dict = {}

    def invoke(target, invocation):
        tries.append(time.monotonic())
        return InvocationResult(invocation.request_id, b'{"errorMessage": "failed"}', "Unhandled")

    config = {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:failures"}}}
    queue = AsyncQueue(invoke, lambda target: config, lambda t, arn, record: delivered.append(record),
                       lambda *args: None, workers=1, retry_base_seconds=0.3)
    try:
        queue.enqueue(Target(), b"{}")
        wait_until(lambda: delivered, 10, message="retries exhausted")
    finally:
        queue.stop()
    assert len(tries) == 3
    assert tries[1] - tries[0] >= 0.3 and tries[2] - tries[1] >= 0.6
    assert delivered[0]["requestContext"]["approximateInvokeCount"] == 3


# Destinations --------------------------------------------------------------------------------------------
def test_on_success_and_on_failure_to_sqs(clients):
    name, _ = async_function(clients)
    successes, successes_arn = new_queue(clients["sqs"])
    failures, failures_arn = new_queue(clients["sqs"])
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": successes_arn}, "OnFailure": {"Destination": failures_arn}},
    )
    ok = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"value": 1}')
    bad = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    ok_id = ok["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    bad_id = bad["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    [success] = receive(clients["sqs"], successes, 1)
    record = json.loads(success["Body"])
    assert_record(record, name, ok_id, "Success", 1, {"value": 1})
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"ok": True, "echo": {"value": 1}}

    [failure] = receive(clients["sqs"], failures, 1)
    record = json.loads(failure["Body"])
    assert_record(record, name, bad_id, "RetriesExhausted", 1, {"fail": True})
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "intentional failure"


def test_destination_sns(clients):
    name, _ = async_function(clients)
    queue_url, queue_arn = new_queue(clients["sqs"])
    topic_arn = clients["sns"].create_topic(Name=unique("topic"))["TopicArn"]
    clients["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": topic_arn}})
    response = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"via": "sns"}')
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    [message] = receive(clients["sqs"], queue_url, 1)
    envelope = json.loads(message["Body"])
    assert envelope["TopicArn"] == topic_arn
    record = json.loads(envelope["Message"])
    assert_record(record, name, request_id, "Success", 1, {"via": "sns"})
    assert record["responsePayload"] == {"ok": True, "echo": {"via": "sns"}}


def test_destination_lambda(clients):
    name, _ = async_function(clients)
    forward_url, _ = new_queue(clients["sqs"])
    receiver = create_function(clients["lambda"], zip_bytes=python_zip(FORWARDER),
                               Environment={"Variables": {"FORWARD_QUEUE_URL": forward_url}})
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{receiver}"}})
    response = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    [message] = receive(clients["sqs"], forward_url, 1)
    record = json.loads(message["Body"])
    assert_record(record, name, request_id, "RetriesExhausted", 1, {"fail": True})
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_destination_eventbridge(clients):
    name, _ = async_function(clients)
    queue_url, queue_arn = new_queue(clients["sqs"])
    rule = unique("rule")
    clients["events"].put_rule(Name=rule, EventPattern=json.dumps({"source": ["lambda"],
                                                                    "resources": [function_arn(name)]}))
    clients["events"].put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    clients["lambda"].put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": bus_arn}, "OnFailure": {"Destination": bus_arn}})
    ok = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"via": "events"}')
    clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true}')
    events = [json.loads(m["Body"]) for m in receive(clients["sqs"], queue_url, 2)]
    by_type = {event["detail-type"]: event for event in events}
    assert set(by_type) == {"Lambda Function Invocation Result - Success", "Lambda Function Invocation Result - Failure"}
    success = by_type["Lambda Function Invocation Result - Success"]
    assert success["source"] == "lambda"
    assert success["region"] == "us-east-1"  # (moto's SQS target drops the event's "account")
    assert set(success["resources"]) == {function_arn(name), bus_arn}
    assert_record(success["detail"], name, ok["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"], "Success", 1,
                  {"via": "events"})
    failure = by_type["Lambda Function Invocation Result - Failure"]
    assert failure["detail"]["requestContext"]["condition"] == "RetriesExhausted"


def test_dead_letter_queue(clients):
    dlq_url, dlq_arn = new_queue(clients["sqs"])
    name, attempts = async_function(clients, DeadLetterConfig={"TargetArn": dlq_arn})
    clients["lambda"].put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    response = clients["lambda"].invoke(FunctionName=name, InvocationType="Event", Payload=b'{"fail": true, "n": 7}')
    request_id = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    [message] = receive(clients["sqs"], dlq_url, 1, attributes=True)
    assert json.loads(message["Body"]) == {"fail": True, "n": 7}, "the DLQ gets the event itself"
    assert message["MessageAttributes"] == {
        "RequestID": {"StringValue": request_id, "DataType": "String"},
        "ErrorCode": {"StringValue": "200", "DataType": "Number"},
        "ErrorMessage": {"StringValue": "intentional failure", "DataType": "String"},
    }
    assert len(receive(clients["sqs"], attempts, 2)) == 2
