"""The moto bridge without a server: boto3 clients whose requests go, fully
signed, straight into a provider's ``handle()``.

A ``before-send`` hook turns botocore's prepared request into our ``HttpRequest``
(as the gateway's server would), builds the ``RequestContext`` the gateway's
identification stage would (region from the client, account from the access
key) and hands the provider's ``HttpResponse`` back to botocore.

moto's backends are process-global, so every test uses names of its own and the
module resets the backends it touched when it is done.
"""

from __future__ import annotations

import gc
import io
import json
import time
import uuid
from typing import Any, Iterator
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request as WerkzeugRequest

from gateway.context import RequestContext
from gateway.http import HttpRequest, HttpResponse
from gateway.identify import account_from_access_key
from providers.companions import moto_provider, services as mp
from providers.companions import s3_hosts
from providers.companions.wsgi import build_environ

ENDPOINT = "http://127.0.0.1:4566"


class StandInGateway:
    """All a moto provider reads from its gateway: the service models."""

    def __init__(self) -> None:
        from gateway.protocol.models import ServiceModels

        self.models = ServiceModels()


class _Raw:
    """What botocore reads an HTTP body from."""

    def __init__(self, body: bytes) -> None:
        self._body = io.BytesIO(body)

    def stream(self, **_: Any) -> Iterator[bytes]:
        while chunk := self._body.read(65536):
            yield chunk

    def read(self, *args: Any) -> bytes:
        return self._body.read(*args)


def http_request(method: str, url: str, headers: Any = (), body: bytes = b"") -> HttpRequest:
    parts = urlsplit(url)
    request_headers = Headers()
    for name, value in dict(headers).items():
        request_headers.add(name, value.decode() if isinstance(value, bytes) else value)
    request_headers.setdefault("Host", parts.netloc)
    return HttpRequest(method=method, path=parts.path or "/", query_string=parts.query, headers=request_headers, body=body)


def context_for(request: HttpRequest, region: str = "us-east-1", access_key: str = "test") -> RequestContext:
    return RequestContext(
        request=request,
        gateway=StandInGateway(),  # type: ignore[arg-type]
        request_id=str(uuid.uuid4()),
        region=region,
        account_id=account_from_access_key(access_key),
        access_key_id=access_key,
    )


def wire(client: Any, provider: moto_provider.MotoProvider) -> Any:
    """Route every request of ``client`` into ``provider.handle``."""
    access_key = client._request_signer._credentials.access_key

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        http = http_request(request.method, request.url, request.headers.items(), body)
        context = context_for(http, client.meta.region_name, access_key)
        context.service = provider.service
        response = provider.handle(context, http)
        return AWSResponse(request.url, response.status, dict(response.headers.items()), _Raw(response.read_body()))

    client.meta.events.register_first("before-send", send)
    return client


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, moto_provider.MotoProvider]]:
    classes = [
        mp.S3Provider, mp.SqsProvider, mp.SnsProvider, mp.KinesisProvider, mp.DynamoDBProvider,
        mp.DynamoDBStreamsProvider, mp.LogsProvider, mp.EventsProvider, mp.IamProvider, mp.StsProvider,
    ]  # fmt: skip
    instances = {cls.service: cls(StandInGateway()) for cls in classes}  # type: ignore[arg-type]
    yield instances
    for provider in instances.values():
        provider.on_reset()


@pytest.fixture
def client(providers: dict[str, moto_provider.MotoProvider]) -> Any:
    def make(service: str, region: str = "us-east-1", access_key: str = "test", endpoint: str = ENDPOINT, **config: Any) -> Any:
        boto_client = boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, **config),
        )
        return wire(boto_client, providers[service])

    return make


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# S3 ----------------------------------------------------------------------------------
def test_s3_path_style_put_get_and_underscored_metadata(client: Any) -> None:
    s3 = client("s3")
    bucket = unique("path")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello", Metadata={"my_key": "v1", "other-key": "v2"})
    assert s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == b"hello"
    head = s3.head_object(Bucket=bucket, Key="dir/a b+c.txt")
    assert head["ContentLength"] == 5
    assert head["Metadata"] == {"my_key": "v1", "other-key": "v2"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["dir/a b+c.txt"]


@pytest.mark.parametrize(
    "endpoint",
    ["http://s3.localhost.localstack.cloud:4566", "http://s3.eu-west-1.localhost.localstack.cloud:4566", "http://s3.localhost:4566"],
)
def test_s3_virtual_host_style(client: Any, endpoint: str) -> None:
    bucket = unique("vhost")
    virtual = client("s3", endpoint=endpoint, s3={"addressing_style": "virtual"})
    virtual.create_bucket(Bucket=bucket)
    virtual.put_object(Bucket=bucket, Key="k/1.txt", Body=b"virtual")
    assert virtual.get_object(Bucket=bucket, Key="k/1.txt")["Body"].read() == b"virtual"
    assert virtual.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    # The same bucket, path style.
    assert client("s3").get_object(Bucket=bucket, Key="k/1.txt")["Body"].read() == b"virtual"


@pytest.mark.parametrize("signature_version", ["s3", "s3v4"])
@pytest.mark.parametrize("addressing_style", ["path", "virtual"])
def test_s3_presigned_urls(client: Any, providers: dict, signature_version: str, addressing_style: str) -> None:
    bucket = unique("presign")
    endpoint = ENDPOINT if addressing_style == "path" else "http://s3.localhost.localstack.cloud:4566"
    s3 = client("s3", endpoint=endpoint, signature_version=signature_version, s3={"addressing_style": addressing_style})
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"})
    request = http_request("PUT", put_url, body=b"uploaded")
    assert providers["s3"].handle(context_for(request), request).status == 200

    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up.txt"})
    assert ("X-Amz-Signature=" in get_url) == (signature_version == "s3v4")
    request = http_request("GET", get_url)
    response = providers["s3"].handle(context_for(request), request)
    assert (response.status, response.body) == (200, b"uploaded")


def test_s3_anonymous_get_of_private_object_is_access_denied(client: Any, providers: dict) -> None:
    bucket = unique("private")
    client("s3").create_bucket(Bucket=bucket)
    client("s3").put_object(Bucket=bucket, Key="secret", Body=b"x")
    request = http_request("GET", f"{ENDPOINT}/{bucket}/secret")
    response = providers["s3"].handle(context_for(request), request)
    assert response.status == 403
    assert b"<Code>AccessDenied</Code>" in response.body


def test_s3_buckets_live_in_the_account_of_the_access_key(client: Any) -> None:
    bucket = unique("acct")
    client("s3", access_key="111122223333").create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in client("s3", access_key="111122223333").list_buckets()["Buckets"]]
    assert bucket not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    "host, bucket",
    [
        ("my-bucket.s3.localhost.localstack.cloud:4566", "my-bucket"),
        ("my.dotted.bucket.s3.localhost.localstack.cloud", "my.dotted.bucket"),
        ("b1.s3.eu-west-1.localhost.localstack.cloud:4566", "b1"),
        ("b1.s3.localhost:4566", "b1"),
        ("B1.S3.LOCALHOST:4566", "b1"),
        ("b1.s3.amazonaws.com", "b1"),
        ("b1.s3.us-west-2.amazonaws.com", "b1"),
        ("b1.s3-us-west-2.amazonaws.com", "b1"),
        ("s3.localhost.localstack.cloud:4566", None),
        ("s3.eu-west-1.localhost.localstack.cloud:4566", None),
        ("localhost.localstack.cloud:4566", None),
        ("localhost:4566", None),
        ("127.0.0.1:4566", None),
        ("[::1]:4566", None),
        ("devbox.lan:4566", None),
        ("s3.amazonaws.com", None),
    ],
)
def test_s3_bucket_from_host(host: str, bucket: str) -> None:
    assert s3_hosts.bucket_from_host(host) == bucket


def test_s3_moto_host_is_unambiguous() -> None:
    assert s3_hosts.moto_host("b1.s3.localhost:4566", "eu-west-1") == "b1.s3.eu-west-1.amazonaws.com"
    assert s3_hosts.moto_host("devbox.lan:4566", "us-east-1") == "s3.us-east-1.amazonaws.com"


# STS and accounts ------------------------------------------------------------------------
@pytest.mark.parametrize("access_key, account", [("test", "000000000000"), ("123456789012", "123456789012")])
def test_sts_caller_identity_is_the_account_of_the_access_key(client: Any, access_key: str, account: str) -> None:
    identity = client("sts", access_key=access_key).get_caller_identity()
    assert identity["Account"] == account
    assert f"::{account}:" in identity["Arn"]


def test_client_cannot_choose_the_moto_account(providers: dict) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = http_request(
        "POST",
        f"{ENDPOINT}/",
        {"Content-Type": "application/x-www-form-urlencoded", "x-moto-account-id": "999999999999"},
        body,
    )
    response = providers["sts"].handle(context_for(request), request)
    assert b"<Account>000000000000</Account>" in response.body


# SQS ---------------------------------------------------------------------------------------
def test_sqs_json_protocol_and_queue_url_from_request_host(client: Any) -> None:
    sqs = client("sqs", region="eu-west-1", access_key="123456789012")
    queue_url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    assert queue_url.startswith(f"{ENDPOINT}/123456789012/")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn.startswith("arn:aws:sqs:eu-west-1:123456789012:")
    sqs.send_message(QueueUrl=queue_url, MessageBody="hello")
    messages = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in messages] == ["hello"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)


def test_sqs_query_protocol_in_the_gateway_region(client: Any, providers: dict) -> None:
    queue_url = client("sqs", region="ap-southeast-2").create_queue(QueueName=unique("q"))["QueueUrl"]
    # Unsigned query request: the region is the one the gateway identified (e.g. from the host).
    body = f"Action=SendMessage&Version=2012-11-05&QueueUrl={queue_url}&MessageBody=via-query".encode()
    request = http_request("POST", f"{ENDPOINT}/", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    response = providers["sqs"].handle(context_for(request, region="ap-southeast-2"), request)
    assert response.status == 200, response.body
    assert b"<SendMessageResponse" in response.body
    assert response.headers["Content-Type"].endswith("xml")
    messages = client("sqs", region="ap-southeast-2").receive_message(QueueUrl=queue_url)["Messages"]
    assert [m["Body"] for m in messages] == ["via-query"]


# JSON services ---------------------------------------------------------------------------------
def test_dynamodb_stream_records_through_dynamodbstreams(client: Any) -> None:
    table = unique("t")
    ddb = client("dynamodb")
    description = ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    streams = client("dynamodbstreams")
    stream_arn = description["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]
    assert records[0]["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}}


def test_kinesis_put_and_get_records(client: Any) -> None:
    kinesis = client("kinesis")
    stream = unique("s")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis.put_record(StreamName=stream, Data=b"payload", PartitionKey="p")
    shard = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"payload"]


def test_logs_put_get_filter(client: Any) -> None:
    logs = client("logs")
    group = f"/test/{unique('g')}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": "hello"}, {"timestamp": now + 1, "message": "an ERROR here"}],
    )
    assert [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName="s")["events"]] == ["hello", "an ERROR here"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]] == ["an ERROR here"]


def test_events_put_events_answers_json(client: Any) -> None:
    result = client("events").put_events(Entries=[{"Source": "my.app", "DetailType": "t", "Detail": "{}"}])
    assert result["FailedEntryCount"] == 0
    assert result["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


def test_sns_publish_to_sqs_subscription(client: Any) -> None:
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    queue_url = sqs.create_queue(QueueName=unique("sub"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=topic, Message="fan-out")
    body = json.loads(sqs.receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["Message"] == "fan-out"


def test_iam_create_role(client: Any) -> None:
    name = unique("role")
    role = client("iam", access_key="123456789012").create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]
    assert role["Arn"] == f"arn:aws:iam::123456789012:role/{name}"


# Errors -----------------------------------------------------------------------------------------
def test_operation_moto_lacks_is_501(client: Any) -> None:
    with pytest.raises(ClientError) as error:
        client("logs").associate_kms_key(logGroupName="/g", kmsKeyId="k")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error.value.response["Error"]["Code"] == "InternalFailure"
    assert "AssociateKmsKey" in error.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    "service, target, content_type",
    [
        ("kinesis", "Kinesis_20131202.NoSuchThing", "application/x-amz-json-1.1"),
        ("dynamodb", "DynamoDB_20120810.NoSuchThing", "application/x-amz-json-1.0"),
    ],
)
def test_unknown_json_operation_is_400(providers: dict, service: str, target: str, content_type: str) -> None:
    request = http_request("POST", f"{ENDPOINT}/", {"X-Amz-Target": target, "Content-Type": content_type}, b"{}")
    response = providers[service].handle(context_for(request), request)
    assert response.status == 400
    assert json.loads(response.body)["__type"] == "UnknownOperationException"


def test_unknown_query_action_is_400(providers: dict) -> None:
    body = b"Action=NoSuchThing&Version=2010-03-31"
    request = http_request("POST", f"{ENDPOINT}/", {"Content-Type": "application/x-www-form-urlencoded"}, body)
    response = providers["sns"].handle(context_for(request), request)
    assert response.status == 400
    assert b"<Code>InvalidAction</Code>" in response.body


# Lifecycle --------------------------------------------------------------------------------------
def test_reset_forgets_the_service_state(client: Any, providers: dict) -> None:
    sqs, s3 = client("sqs"), client("s3")
    name, bucket = unique("reset"), unique("reset")
    sqs.create_queue(QueueName=name)
    s3.create_bucket(Bucket=bucket)
    providers["sqs"].on_reset()
    assert name not in json.dumps(sqs.list_queues())
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # other services untouched
    providers["s3"].on_reset()
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.create_bucket(Bucket=bucket)  # the name is free again


def test_flask_app_is_per_instance_and_lazy() -> None:
    first, second = mp.SqsProvider(StandInGateway()), mp.SqsProvider(StandInGateway())  # type: ignore[arg-type]
    assert first._app is None
    assert first.app() is first.app()
    assert first.app() is not second.app()


def test_served_requests_are_freed_without_a_garbage_collection(client: Any) -> None:
    """moto turns its Flask app's debug mode on, whose helpers put every request in a
    reference cycle with its body: with the gateway's GC thresholds (collections are
    rare), the memory of log shipping climbed by ~100 MiB under load."""
    logs = client("logs")
    group = unique("freed")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    events = [{"timestamp": int(time.time() * 1000), "message": "x" * 100}] * 50

    def live_requests() -> int:
        return sum(1 for item in gc.get_objects() if isinstance(item, WerkzeugRequest))

    gc.collect()
    gc.disable()
    try:
        before = live_requests()
        for _ in range(20):
            logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
        after = live_requests()
    finally:
        gc.enable()
    assert after == before


# The WSGI environ ----------------------------------------------------------------------------------
def test_environ_keeps_the_raw_path_and_decodes_path_info() -> None:
    request = http_request("GET", f"{ENDPOINT}/b/a%2Fb%20c%C3%A9?x=1%202")
    environ = build_environ(request, "h:1")
    assert environ["RAW_URI"] == "/b/a%2Fb%20c%C3%A9?x=1%202"
    assert environ["PATH_INFO"] == "/b/a/b cé".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "x=1%202"
    assert (environ["HTTP_HOST"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("h:1", "h", "1")


def test_environ_underscored_headers() -> None:
    request = http_request(
        "PUT",
        f"{ENDPOINT}/b/k",
        [("X-Amz-Meta-My_Key", "meta"), ("X_Forwarded_For", "spoof"), ("X-Forwarded-For", "real"), ("Transfer-Encoding", "chunked")],
        b"abc",
    )
    environ = build_environ(request, None, lambda name: name.lower().startswith("x-amz-meta-"))
    assert environ["HTTP_X_AMZ_META_MY_KEY"] == "meta"
    assert environ["HTTP_X_FORWARDED_FOR"] == "real"
    assert "HTTP_TRANSFER_ENCODING" not in environ
    assert environ["CONTENT_LENGTH"] == "3"


def test_head_object_keeps_content_length_without_body(client: Any, providers: dict) -> None:
    bucket = unique("head")
    client("s3").create_bucket(Bucket=bucket)
    client("s3").put_object(Bucket=bucket, Key="k", Body=b"12345")
    request = http_request("HEAD", f"{ENDPOINT}/{bucket}/k", {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x"})
    response: HttpResponse = providers["s3"].handle(context_for(request), request)
    assert (response.status, response.body, response.headers["Content-Length"]) == (200, b"", "5")
