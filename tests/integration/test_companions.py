"""The moto-backed companion services through the real gateway, with boto3,
``requests`` and the AWS CLI.

``*.localhost.localstack.cloud`` and ``*.s3.localhost`` do not resolve on every
machine (not here: no nss-myhostname), so virtual-host requests connect to
127.0.0.1 and carry the virtual host in the ``Host`` header, signed as such.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BIN = Path(sys.executable).parent


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def connect_to_gateway(client: Any, gateway_url: str) -> Any:
    """Keep the signed host (e.g. a virtual-host bucket), connect to the gateway."""
    target = urlsplit(gateway_url).netloc

    def redirect(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=target))

    client.meta.events.register_first("before-send", redirect)
    return client


def get_via_gateway(url: str, gateway_url: str) -> requests.Response:
    parts = urlsplit(url)
    return requests.get(urlunsplit(parts._replace(netloc=urlsplit(gateway_url).netloc)), headers={"Host": parts.netloc}, timeout=10)


@pytest.fixture
def aws(cli_env: dict[str, str], gateway_url: str) -> Callable[..., Any]:
    """``aws("s3api", "list-buckets")`` -> parsed JSON output (or text for ``s3``)."""

    def run(*args: str, access_key: str = "test", program: str = "aws", stdin: bytes | None = None) -> Any:
        env = dict(cli_env, AWS_ACCESS_KEY_ID=access_key)
        command = [str(BIN / program)]
        if program == "aws":
            command += ["--endpoint-url", gateway_url]
        command += [*args, "--output", "json"] if args[0] != "s3" else list(args)
        done = subprocess.run(command, env=env, input=stdin, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        out = done.stdout.decode()
        if args[0] == "s3":
            return out
        return json.loads(out) if out.strip() else None

    return run


# S3 ----------------------------------------------------------------------------------------
def test_s3_path_style(aws_client: Callable[..., Any]) -> None:
    s3 = aws_client("s3")
    bucket = unique("path")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/hello world.txt", Body=b"hello", Metadata={"my_key": "v"})
    got = s3.get_object(Bucket=bucket, Key="dir/hello world.txt")
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"my_key": "v"}
    assert s3.head_object(Bucket=bucket, Key="dir/hello world.txt")["ContentLength"] == 5
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("domain", ["s3.localhost.localstack.cloud", "s3.localhost"])
def test_s3_virtual_host_style(aws_client: Callable[..., Any], gateway_url: str, domain: str) -> None:
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://{domain}:{port_of(gateway_url)}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}),
    )
    connect_to_gateway(s3, gateway_url)
    bucket = unique("vhost")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k/1.txt", Body=b"virtual")
    assert s3.get_object(Bucket=bucket, Key="k/1.txt")["Body"].read() == b"virtual"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k/1.txt"]
    # The same object, path style.
    assert aws_client("s3").get_object(Bucket=bucket, Key="k/1.txt")["Body"].read() == b"virtual"
    # And a plain, signed-nothing HTTP request with the virtual host (public-read object).
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"open", ACL="public-read")
    response = get_via_gateway(f"http://{bucket}.{domain}:{port_of(gateway_url)}/public.txt", gateway_url)
    assert (response.status_code, response.content) == (200, b"open")


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
@pytest.mark.parametrize("addressing_style", ["path", "virtual"])
def test_s3_presigned_urls(gateway_url: str, signature_version: str, addressing_style: str) -> None:
    import boto3
    from botocore.config import Config

    endpoint = gateway_url if addressing_style == "path" else f"http://s3.localhost.localstack.cloud:{port_of(gateway_url)}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(signature_version=signature_version, s3={"addressing_style": addressing_style}),
    )
    connect_to_gateway(s3, gateway_url)
    bucket = unique("presign")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"presigned content")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.txt"}, ExpiresIn=300)
    assert ("X-Amz-Signature=" in url) == (signature_version == "s3v4")
    response = get_via_gateway(url, gateway_url)
    assert (response.status_code, response.content) == (200, b"presigned content")


def test_s3_anonymous_get_of_private_object_is_denied(aws_client: Callable[..., Any], gateway_url: str) -> None:
    s3 = aws_client("s3")
    bucket = unique("private")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="secret", Body=b"x")
    response = requests.get(f"{gateway_url}/{bucket}/secret", timeout=10)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


def test_s3_with_the_cli(aws: Callable[..., Any], tmp_path: Path) -> None:
    bucket = unique("cli")
    source = tmp_path / "f.txt"
    source.write_text("from the cli\n")
    aws("s3", "mb", f"s3://{bucket}")
    aws("s3", "cp", str(source), f"s3://{bucket}/f.txt")
    assert "f.txt" in aws("s3", "ls", f"s3://{bucket}/")
    assert aws("s3", "cp", f"s3://{bucket}/f.txt", "-") == "from the cli\n"
    listed = aws("s3api", "list-objects-v2", "--bucket", bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["f.txt"]


# SQS -----------------------------------------------------------------------------------------
def test_sqs_json_protocol(aws_client: Callable[..., Any], gateway_url: str) -> None:
    sqs = aws_client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    assert queue_url.startswith(f"{gateway_url}/000000000000/")
    sqs.send_message(QueueUrl=queue_url, MessageBody="hello", MessageAttributes={"a": {"DataType": "String", "StringValue": "1"}})
    messages = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in messages] == ["hello"]
    assert messages[0]["MessageAttributes"]["a"]["StringValue"] == "1"
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_delete_with_an_earlier_receipt_handle_deletes_nothing(aws_client: Callable[..., Any]) -> None:
    # SQS DeleteMessage: "you must provide the most recently received ReceiptHandle for the message (otherwise,
    # the request succeeds, but the message will not be deleted)". A consumer slower than the visibility timeout
    # deletes with its handle after the message was received again: on a FIFO queue the group stays locked
    # until the new receive is done with it, so the group's next message cannot overtake it.
    sqs = aws_client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("stale") + ".fifo",
                                 Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in first] == ["first", "second"]
    sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(first)])
    again = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1)["Messages"]
    assert [m["Body"] for m in again] == ["first"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=first[0]["ReceiptHandle"])  # the stale handle: succeeds
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url)  # "first" is still in flight: the group waits
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == ("1", "1")
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=again[0]["ReceiptHandle"])
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue_url)["Messages"]] == ["second"]


def _signed_query(gateway_url: str, service: str, params: dict[str, str], region: str = "us-east-1") -> requests.Response:
    body = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    request = AWSRequest("POST", f"{gateway_url}/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), service, region).add_auth(request)
    return requests.post(request.url, data=body, headers=dict(request.headers), timeout=10)


def test_sqs_query_protocol(gateway_url: str) -> None:
    name = unique("query")
    created = _signed_query(gateway_url, "sqs", {"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": name})
    assert created.status_code == 200, created.text
    assert "<CreateQueueResponse" in created.text
    queue_url = f"{gateway_url}/000000000000/{name}"
    assert f"<QueueUrl>{queue_url}</QueueUrl>" in created.text
    common = {"Version": "2012-11-05", "QueueUrl": queue_url}
    sent = _signed_query(gateway_url, "sqs", {"Action": "SendMessage", "MessageBody": "via query", **common})
    assert sent.status_code == 200 and "<MessageId>" in sent.text
    received = _signed_query(gateway_url, "sqs", {"Action": "ReceiveMessage", **common})
    assert "<Body>via query</Body>" in received.text
    handle = received.text.split("<ReceiptHandle>")[1].split("</ReceiptHandle>")[0]
    deleted = _signed_query(gateway_url, "sqs", {"Action": "DeleteMessage", "ReceiptHandle": handle, **common})
    assert deleted.status_code == 200, deleted.text
    error = _signed_query(gateway_url, "sqs", {"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": unique("none")})
    assert error.status_code == 400
    assert "QueueDoesNotExist" in error.text or "NonExistentQueue" in error.text


def test_sqs_unsigned_query_requests(gateway_url: str) -> None:
    """What ``curl`` sends: no signature, the Action in the URL or a form body."""
    name = unique("curl")
    created = requests.get(f"{gateway_url}/?Action=CreateQueue&QueueName={name}", timeout=10)
    assert created.status_code == 200 and "<CreateQueueResponse" in created.text, created.text
    listed = requests.get(f"{gateway_url}/?Action=ListQueues", timeout=10)
    assert "<ListQueuesResponse" in listed.text and f"/000000000000/{name}</QueueUrl>" in listed.text, listed.text
    form = requests.post(f"{gateway_url}/", data={"Action": "ListQueues", "Version": "2012-11-05"}, timeout=10)
    assert form.status_code == 200 and f"/{name}</QueueUrl>" in form.text, form.text
    # Sent to the queue URL, as old query clients do.
    sent = requests.get(f"{gateway_url}/000000000000/{name}?Action=SendMessage&MessageBody=hi", timeout=10)
    assert sent.status_code == 200 and "<MessageId>" in sent.text, sent.text
    missing = requests.get(f"{gateway_url}/?Action=CreateQueue", timeout=10)
    assert missing.status_code == 400 and "<Code>MissingParameter</Code>" in missing.text, missing.text
    assert "QueueName" in missing.text and "NoneType" not in missing.text


def test_sqs_query_with_a_regional_host_header(gateway_url: str) -> None:
    name = unique("hq")
    host = "sqs.eu-west-1.localhost.localstack.cloud"
    created = requests.get(f"{gateway_url}/?Action=CreateQueue&QueueName={name}", headers={"Host": host}, timeout=10)
    assert created.status_code == 200, created.text
    assert f"<QueueUrl>http://{host}/000000000000/{name}</QueueUrl>" in created.text, created.text
    attributes = requests.get(
        f"{gateway_url}/000000000000/{name}?Action=GetQueueAttributes&AttributeName.1=QueueArn",
        headers={"Host": host}, timeout=10,
    )
    assert f"arn:aws:sqs:eu-west-1:000000000000:{name}" in attributes.text, attributes.text


def test_sigv2_query_authentication_goes_by_action(gateway_url: str) -> None:
    sigv2 = "AWSAccessKeyId=123456789012&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp=2024-01-01T00%3A00%3A00Z&Signature=x"
    identity = requests.get(f"{gateway_url}/?Action=GetCallerIdentity&Version=2011-06-15&{sigv2}", timeout=10)
    assert identity.status_code == 200 and "<Account>123456789012</Account>" in identity.text, identity.text
    queues = requests.get(f"{gateway_url}/?Action=ListQueues&Version=2012-11-05&{sigv2}", timeout=10)
    assert queues.status_code == 200 and "<ListQueuesResponse" in queues.text, queues.text


def test_sqs_with_the_cli(aws: Callable[..., Any]) -> None:
    queue_url = aws("sqs", "create-queue", "--queue-name", unique("cli"))["QueueUrl"]
    aws("sqs", "send-message", "--queue-url", queue_url, "--message-body", "cli message")
    messages = aws("sqs", "receive-message", "--queue-url", queue_url)["Messages"]
    assert [m["Body"] for m in messages] == ["cli message"]
    aws("sqs", "delete-message", "--queue-url", queue_url, "--receipt-handle", messages[0]["ReceiptHandle"])


# Kinesis, DynamoDB (Streams), Logs ------------------------------------------------------------------
def test_kinesis_put_and_get_records(aws_client: Callable[..., Any]) -> None:
    kinesis = aws_client("kinesis")
    stream = unique("stream")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    kinesis.put_record(StreamName=stream, Data=b"record-1", PartitionKey="p")
    kinesis.put_records(StreamName=stream, Records=[{"Data": b"record-2", "PartitionKey": "p"}])
    shard = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"record-1", b"record-2"]


def test_dynamodb_stream_records(aws_client: Callable[..., Any]) -> None:
    dynamodb, streams = aws_client("dynamodb"), aws_client("dynamodbstreams")
    table = unique("table")
    created = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "k1"}, "n": {"N": "1"}})
    dynamodb.update_item(
        TableName=table, Key={"pk": {"S": "k1"}}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "2"}}
    )
    assert dynamodb.get_item(TableName=table, Key={"pk": {"S": "k1"}})["Item"]["n"] == {"N": "2"}

    stream_arn = created["LatestStreamArn"]
    assert stream_arn in [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]]
    description = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    shard = description["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}


def test_logs_put_get_filter(aws_client: Callable[..., Any]) -> None:
    logs = aws_client("logs")
    group = f"/aws/lambda/{unique('fn')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2024/01/01/[$LATEST]abc")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2024/01/01/[$LATEST]abc",
        logEvents=[{"timestamp": now, "message": "START"}, {"timestamp": now + 1, "message": "ERROR boom"}],
    )
    events = logs.get_log_events(logGroupName=group, logStreamName="2024/01/01/[$LATEST]abc", startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["START", "ERROR boom"]
    filtered = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["message"] for e in filtered] == ["ERROR boom"]


def test_logs_with_the_cli(aws: Callable[..., Any]) -> None:
    group = unique("/cli/group")
    aws("logs", "create-log-group", "--log-group-name", group)
    groups = aws("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]


# SNS, EventBridge, IAM, STS -------------------------------------------------------------------------
def test_sns_publish(aws_client: Callable[..., Any]) -> None:
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    assert topic.startswith("arn:aws:sns:us-east-1:000000000000:")
    queue_url = sqs.create_queue(QueueName=unique("sub"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    assert sns.publish(TopicArn=topic, Message="hello subscribers")["MessageId"]
    body = json.loads(sqs.receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert (body["TopicArn"], body["Message"]) == (topic, "hello subscribers")


def test_eventbridge_put_events(aws_client: Callable[..., Any]) -> None:
    events, sqs = aws_client("events"), aws_client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("target"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = unique("rule")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    result = events.put_events(Entries=[{"Source": "my.app", "DetailType": "thing", "Detail": json.dumps({"k": "v"})}])
    assert result["FailedEntryCount"] == 0
    assert result["Entries"][0]["EventId"]
    delivered = json.loads(sqs.receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert (delivered["source"], delivered["detail"]) == ("my.app", {"k": "v"})


def test_iam_create_role(aws_client: Callable[..., Any], aws: Callable[..., Any]) -> None:
    name = unique("role")
    trust = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    )
    role = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    assert role["Arn"] == f"arn:aws:iam::000000000000:role/{name}"
    assert aws("iam", "get-role", "--role-name", name)["Role"]["RoleName"] == name


@pytest.mark.parametrize("access_key, account", [("test", "000000000000"), ("123456789012", "123456789012")])
def test_sts_caller_identity(aws_client: Callable[..., Any], aws: Callable[..., Any], access_key: str, account: str) -> None:
    assert aws_client("sts", access_key=access_key).get_caller_identity()["Account"] == account
    assert aws("sts", "get-caller-identity", access_key=access_key)["Account"] == account


def test_sts_with_awslocal(aws: Callable[..., Any]) -> None:
    if not (BIN / "awslocal").exists():
        pytest.skip("awslocal is not installed")
    assert aws("sts", "get-caller-identity", program="awslocal")["Account"] == "000000000000"


def test_accounts_are_separate(aws_client: Callable[..., Any]) -> None:
    name = unique("acct")
    aws_client("sqs", access_key="111122223333").create_queue(QueueName=name)
    assert name in json.dumps(aws_client("sqs", access_key="111122223333").list_queues())
    assert name not in json.dumps(aws_client("sqs").list_queues())


def test_reset_forgets_companion_state(aws_client: Callable[..., Any], gateway_url: str) -> None:
    sqs, s3 = aws_client("sqs"), aws_client("s3")
    name = unique("reset")
    sqs.create_queue(QueueName=name)
    s3.create_bucket(Bucket=name)
    assert requests.post(f"{gateway_url}/_gateway/reset", timeout=30).status_code == 200
    assert name not in json.dumps(sqs.list_queues())
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
