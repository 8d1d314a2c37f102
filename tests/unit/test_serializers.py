"""Serializers against REAL botocore models, read back by real botocore clients.

Each test answers a boto3 client call with our serializer's response (through
botocore's ``before-send`` hook, so no network) and checks what the client parses:
the same path a user's SDK takes against the gateway.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError

from gateway.errors import ServiceError, ValidationError
from gateway.http import HttpResponse
from gateway.protocol.models import ServiceModels
from gateway.protocol.serializers import create_serializer, encode_event_stream_message

REQUEST_ID = "4f3c3a5e-1c3b-4f4e-9d0a-6d1c1b1a1a1a"
MODELS = ServiceModels()
ARN = "arn:aws:lambda:us-east-1:000000000000:function:f"


class _Raw:
    """The ``raw`` of an AWSResponse over our HttpResponse body."""

    def __init__(self, response: HttpResponse) -> None:
        self._chunks = response.iter_body()
        self._buffer = io.BytesIO(b"".join(self._chunks)) if not response.streaming else None

    def stream(self, **_: Any) -> Iterator[bytes]:
        if self._buffer is not None:
            yield self._buffer.read()
        else:
            yield from self._chunks

    def read(self, amt: int | None = None) -> bytes:
        if self._buffer is None:
            self._buffer = io.BytesIO(b"".join(self._chunks))
        return self._buffer.read() if amt is None else self._buffer.read(amt)

    def close(self) -> None:
        pass


class Answer:
    """A boto3 client whose calls are answered by ``respond(operation_model)``."""

    def __init__(self, service: str) -> None:
        self.model = MODELS.get(service)
        self.serializer = create_serializer(self.model)
        self.client = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url="http://localhost:4566",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}),
        )
        self.last: HttpResponse | None = None

    def _install(self, operation: str, make: Callable[[Any], HttpResponse]) -> None:
        op_model = self.model.operation_model(operation)
        service_id = self.client.meta.service_model.service_id.hyphenize()

        def send(request: Any, **_: Any) -> AWSResponse:
            self.last = make(op_model)
            return AWSResponse(request.url, self.last.status, dict(self.last.headers), _Raw(self.last))

        self.client.meta.events.register(f"before-send.{service_id}.{operation}", send, unique_id=operation)

    def result(self, operation: str, method: str, result: dict, **params: Any) -> dict:
        self._install(operation, lambda op: self.serializer.serialize_response(op, result, REQUEST_ID))
        return getattr(self.client, method)(**params)

    def error(self, operation: str, method: str, error: ServiceError, **params: Any) -> ClientError:
        self._install(operation, lambda op: self.serializer.serialize_error(error, op, REQUEST_ID))
        with pytest.raises(ClientError) as caught:
            getattr(self.client, method)(**params)
        return caught.value

    @property
    def body(self) -> bytes:
        assert self.last is not None
        return self.last.read_body() if not self.last.streaming else b"<stream>"


def _strip(parsed: dict) -> dict:
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}


# -- Lambda (rest-json) ---------------------------------------------------------

FUNCTION = {
    "FunctionName": "f",
    "FunctionArn": ARN,
    "Runtime": "python3.12",
    "Role": "arn:aws:iam::000000000000:role/r",
    "Handler": "app.handler",
    "CodeSize": 312,
    "Description": "",
    "Timeout": 3,
    "MemorySize": 128,
    "LastModified": "2024-01-01T00:00:00.000+0000",
    "CodeSha256": "abc=",
    "Version": "$LATEST",
    "Environment": {"Variables": {"A": "1"}},
    "TracingConfig": {"Mode": "PassThrough"},
    "RevisionId": "r1",
    "State": "Pending",
    "StateReason": "The function is being created.",
    "StateReasonCode": "Creating",
    "PackageType": "Zip",
    "Architectures": ["x86_64"],
    "EphemeralStorage": {"Size": 512},
    "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/f"},
}

CREATE_PARAMS = {"FunctionName": "f", "Role": FUNCTION["Role"], "Code": {"ZipFile": b"zip"}}


def test_lambda_create_function_201_body_is_member_names() -> None:
    lam = Answer("lambda")
    parsed = lam.result("CreateFunction", "create_function", {**FUNCTION, "KMSKeyArn": None, "NotAMember": 1}, **CREATE_PARAMS)
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert _strip(parsed) == FUNCTION
    response = lam.last
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["x-amzn-RequestId"] == REQUEST_ID
    assert response.headers["Content-Length"] == str(len(lam.body))
    assert json.loads(lam.body) == FUNCTION  # keys exactly the member names; None, unknown keys omitted
    assert b": " not in lam.body and b", " not in lam.body  # compact JSON


def test_lambda_get_function() -> None:
    lam = Answer("lambda")
    result = {
        "Configuration": FUNCTION,
        "Code": {"RepositoryType": "S3", "Location": "http://localhost:4566/code"},
        "Tags": {"team": "a"},
        "Concurrency": {"ReservedConcurrentExecutions": 5},
    }
    parsed = lam.result("GetFunction", "get_function", result, FunctionName="f")
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _strip(parsed) == result


def test_lambda_invoke_payload_and_headers() -> None:
    lam = Answer("lambda")
    log = base64.b64encode(b"START RequestId: x\nEND\n").decode()
    result = {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "LogResult": log,
        "ExecutedVersion": "$LATEST",
        "Payload": b'{"errorMessage":"boom"}',
    }
    parsed = lam.result("Invoke", "invoke", result, FunctionName="f", LogType="Tail")
    assert parsed["StatusCode"] == 200
    assert parsed["FunctionError"] == "Unhandled"
    assert parsed["LogResult"] == log
    assert parsed["ExecutedVersion"] == "$LATEST"
    assert parsed["Payload"].read() == b'{"errorMessage":"boom"}'
    headers = lam.last.headers
    assert headers["X-Amz-Function-Error"] == "Unhandled"
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert headers["Content-Type"] == "application/json"
    assert lam.body == b'{"errorMessage":"boom"}'


def test_lambda_invoke_event_is_202_with_empty_body() -> None:
    lam = Answer("lambda")
    parsed = lam.result("Invoke", "invoke", {"StatusCode": 202}, FunctionName="f", InvocationType="Event")
    assert parsed["StatusCode"] == 202
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert parsed["Payload"].read() == b""
    assert lam.body == b""


def test_lambda_invoke_dry_run_204_has_no_body() -> None:
    lam = Answer("lambda")
    parsed = lam.result("Invoke", "invoke", {"StatusCode": 204, "Payload": b"x"}, FunctionName="f", InvocationType="DryRun")
    assert parsed["StatusCode"] == 204
    assert lam.last.body == b"" and "Content-Length" not in lam.last.headers


def test_lambda_invoke_streams_iterable_payload() -> None:
    lam = Answer("lambda")
    chunks = iter([b'{"a":', b"1}"])
    parsed = lam.result("Invoke", "invoke", {"StatusCode": 200, "Payload": chunks}, FunctionName="f")
    assert lam.last.streaming
    assert parsed["Payload"].read() == b'{"a":1}'


def test_lambda_resource_not_found() -> None:
    lam = Answer("lambda")
    message = f"Function not found: {ARN}:$LATEST"
    error = lam.error("GetFunction", "get_function", ServiceError("ResourceNotFoundException", message), FunctionName="f")
    assert isinstance(error, lam.client.exceptions.ResourceNotFoundException)
    assert error.response["Error"] == {"Code": "ResourceNotFoundException", "Message": message}
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error.response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert error.response["Type"] == "User"
    assert lam.last.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert json.loads(lam.body) == {"Message": message, "Type": "User"}


def test_lambda_too_many_requests_429_with_reason_and_retry_after() -> None:
    lam = Answer("lambda")
    error = ServiceError(
        "TooManyRequestsException",
        "Rate Exceeded.",
        Reason="ReservedFunctionConcurrentInvocationLimitExceeded",
        retryAfterSeconds="1",
    )
    caught = lam.error("Invoke", "invoke", error, FunctionName="f")
    assert isinstance(caught, lam.client.exceptions.TooManyRequestsException)
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert caught.response["Error"]["Message"] == "Rate Exceeded."
    assert caught.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert caught.response["retryAfterSeconds"] == "1"
    assert lam.last.headers["Retry-After"] == "1"
    # The model names this message member in lowercase; the header member stays out of the body.
    assert json.loads(lam.body) == {
        "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
    }


@pytest.mark.parametrize(
    "code, status",
    [("PreconditionFailedException", 412), ("ResourceConflictException", 409), ("ServiceException", 500)],
)
def test_lambda_modelled_statuses(code: str, status: int) -> None:
    lam = Answer("lambda")
    caught = lam.error("UpdateFunctionCode", "update_function_code", ServiceError(code, "nope"), FunctionName="f", ZipFile=b"z")
    assert isinstance(caught, getattr(lam.client.exceptions, code))
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.response["Error"] == {"Code": code, "Message": "nope"}
    assert caught.response["Type"] == ("Service" if status >= 500 else "User")


def test_lambda_unmodelled_validation_exception() -> None:
    lam = Answer("lambda")
    message = "1 validation error detected: Value 'x' at 'runtime' failed to satisfy constraint"
    caught = lam.error("GetFunction", "get_function", ValidationError(message), FunctionName="f")
    assert caught.response["Error"] == {"Code": "ValidationException", "Message": message}
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert lam.last.headers["x-amzn-ErrorType"] == "ValidationException"
    assert json.loads(lam.body) == {"message": message}


def test_not_implemented_operation_is_501() -> None:
    from gateway.errors import NotImplementedOperation

    lam = Answer("lambda")
    caught = lam.error("GetFunction", "get_function", NotImplementedOperation("lambda", "GetFunction"), FunctionName="f")
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert caught.response["Error"]["Code"] == "InternalFailure"


def test_error_extra_headers_are_sent() -> None:
    lam = Answer("lambda")
    error = ServiceError("ResourceNotFoundException", "gone")
    error.headers["x-amzn-Remapped-Foo"] = "bar"
    lam.error("GetFunction", "get_function", error, FunctionName="f")
    assert lam.last.headers["x-amzn-Remapped-Foo"] == "bar"


# -- Lambda event stream ----------------------------------------------------------


def test_invoke_with_response_stream_events() -> None:
    lam = Answer("lambda")
    events = [
        {"PayloadChunk": {"Payload": b"hello "}},
        {"PayloadChunk": {"Payload": b"world"}},
        {"InvokeComplete": {"LogResult": "bG9n"}},
    ]
    result = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "EventStream": iter(events)}
    parsed = lam.result("InvokeWithResponseStream", "invoke_with_response_stream", result, FunctionName="f")
    assert parsed["StatusCode"] == 200
    assert parsed["ExecutedVersion"] == "$LATEST"
    assert lam.last.headers["Content-Type"] == "application/vnd.amazon.eventstream"
    assert lam.last.streaming and "Content-Length" not in lam.last.headers
    assert list(parsed["EventStream"]) == events


def test_event_stream_error_mid_stream() -> None:
    lam = Answer("lambda")

    def events() -> Iterator[dict]:
        yield {"PayloadChunk": {"Payload": b"partial"}}
        raise ServiceError("ServiceException", "the runtime exited")

    result = {"StatusCode": 200, "EventStream": events()}
    parsed = lam.result("InvokeWithResponseStream", "invoke_with_response_stream", result, FunctionName="f")
    stream = iter(parsed["EventStream"])
    assert next(stream) == {"PayloadChunk": {"Payload": b"partial"}}
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"] == {"Code": "ServiceException", "Message": "the runtime exited"}


def test_json_protocol_event_stream_starts_with_initial_response() -> None:
    kinesis = Answer("kinesis")
    arrival = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    event = {
        "SubscribeToShardEvent": {
            "Records": [{"SequenceNumber": "1", "ApproximateArrivalTimestamp": arrival, "Data": b"\x00data", "PartitionKey": "p"}],
            "ContinuationSequenceNumber": "1",
            "MillisBehindLatest": 0,
        }
    }
    parsed = kinesis.result(
        "SubscribeToShard",
        "subscribe_to_shard",
        {"EventStream": iter([event])},
        ConsumerARN="arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1",
        ShardId="shardId-000000000000",
        StartingPosition={"Type": "LATEST"},
    )
    assert list(parsed["EventStream"]) == [event]


def test_modelled_exception_event_ends_stream() -> None:
    kinesis = Answer("kinesis")

    def events() -> Iterator[dict]:
        raise ServiceError("ResourceNotFoundException", "Stream s not found")
        yield {}

    parsed = kinesis.result(
        "SubscribeToShard",
        "subscribe_to_shard",
        {"EventStream": events()},
        ConsumerARN="arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1",
        ShardId="shardId-000000000000",
        StartingPosition={"Type": "LATEST"},
    )
    with pytest.raises(EventStreamError) as caught:
        list(parsed["EventStream"])
    assert caught.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "Stream s not found"}


def test_rest_xml_event_stream_s3_select() -> None:
    s3 = Answer("s3")
    events = [
        {"Records": {"Payload": b"a,b\n"}},
        {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
        {"End": {}},
    ]
    parsed = s3.result(
        "SelectObjectContent",
        "select_object_content",
        {"Payload": iter(events)},
        Bucket="b",
        Key="k",
        Expression="select * from s3object",
        ExpressionType="SQL",
        InputSerialization={"CSV": {}},
        OutputSerialization={"CSV": {}},
    )
    assert list(parsed["Payload"]) == events


def test_encode_event_stream_message_decodes_with_botocore() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    headers = {
        ":message-type": "event",
        ":event-type": "Records",
        "flag": True,
        "off": False,
        "count": 7,
        "big": 2**40,
        "raw": b"\x00\x01",
        "when": when,
    }
    message = encode_event_stream_message(headers, b"payload")
    buffer = EventStreamBuffer()
    buffer.add_data(message[:5])  # messages may arrive split across reads
    assert list(buffer) == []
    buffer.add_data(message[5:])
    (decoded,) = list(buffer)
    assert decoded.payload == b"payload"
    expected = {**headers, "when": int(when.timestamp() * 1000)}
    assert decoded.headers == expected


# -- SQS (json 1.0, awsQueryCompatible) ---------------------------------------------


def test_sqs_json_result_and_headers() -> None:
    sqs = Answer("sqs")
    url = "http://localhost:4566/000000000000/q"
    parsed = sqs.result("GetQueueUrl", "get_queue_url", {"QueueUrl": url}, QueueName="q")
    assert parsed["QueueUrl"] == url
    assert sqs.last.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert sqs.last.headers["x-amzn-RequestId"] == REQUEST_ID
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID

    messages = {
        "Messages": [
            {"MessageId": "m1", "ReceiptHandle": "h", "Body": "hi", "Attributes": {"SentTimestamp": "1"},
             "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}},
        ]
    }
    parsed = sqs.result("ReceiveMessage", "receive_message", messages, QueueUrl=url)
    assert _strip(parsed) == messages


def test_sqs_query_compatible_error() -> None:
    sqs = Answer("sqs")
    caught = sqs.error(
        "GetQueueUrl", "get_queue_url", ServiceError("QueueDoesNotExist", "The specified queue does not exist."), QueueName="q"
    )
    assert isinstance(caught, sqs.client.exceptions.QueueDoesNotExist)
    assert caught.response["Error"]["Message"] == "The specified queue does not exist."
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sqs.last.headers["x-amzn-query-error"] == "QueueDoesNotExist;Sender"
    assert json.loads(sqs.body) == {"__type": "QueueDoesNotExist", "message": "The specified queue does not exist."}


# -- STS (query) --------------------------------------------------------------------


def test_sts_get_caller_identity() -> None:
    sts = Answer("sts")
    result = {"UserId": "AKIAIOSFODNN7EXAMPLE", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}
    parsed = sts.result("GetCallerIdentity", "get_caller_identity", result)
    assert _strip(parsed) == result
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert sts.last.headers["Content-Type"] == "text/xml"
    assert sts.body.startswith(
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    )


def test_sts_assume_role_timestamps() -> None:
    sts = Answer("sts")
    expiration = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    result = {
        "Credentials": {"AccessKeyId": "AK", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": expiration},
        "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn:aws:sts::000000000000:assumed-role/r/x"},
    }
    parsed = sts.result("AssumeRole", "assume_role", result, RoleArn="arn:aws:iam::000000000000:role/r", RoleSessionName="xx")
    assert _strip(parsed) == result
    assert b"<Expiration>2024-05-06T07:08:09Z</Expiration>" in sts.body


def test_sts_error_is_query_error_response() -> None:
    sts = Answer("sts")
    caught = sts.error(
        "GetCallerIdentity", "get_caller_identity", ServiceError("InvalidClientTokenId", "bad token", status=403)
    )
    assert caught.response["Error"] == {"Type": "Sender", "Code": "InvalidClientTokenId", "Message": "bad token"}
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert caught.response["ResponseMetadata"]["RequestId"] == REQUEST_ID


def test_unmodelled_server_error_is_receiver_fault() -> None:
    sts = Answer("sts")
    caught = sts.error("GetCallerIdentity", "get_caller_identity", ServiceError("InternalError", "oops", status=503))
    assert caught.response["Error"]["Type"] == "Receiver"
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 503


# -- S3 (rest-xml) --------------------------------------------------------------------


def test_s3_list_objects_v2() -> None:
    s3 = Answer("s3")
    modified = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    result = {
        "IsTruncated": False,
        "Contents": [
            {"Key": "a.txt", "LastModified": modified, "ETag": '"e1"', "Size": 3, "StorageClass": "STANDARD"},
            {"Key": "b <&>.txt", "LastModified": modified, "ETag": '"e2"', "Size": 0, "StorageClass": "STANDARD"},
        ],
        "Name": "bucket",
        "Prefix": "",
        "MaxKeys": 1000,
        "CommonPrefixes": [{"Prefix": "dir/"}],
        "KeyCount": 3,
    }
    parsed = s3.result("ListObjectsV2", "list_objects_v2", result, Bucket="bucket")
    assert _strip(parsed) == result
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID
    headers = s3.last.headers
    assert headers["x-amz-request-id"] == REQUEST_ID
    assert headers["Content-Type"] == "application/xml"
    assert b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' in s3.body
    assert b"<Contents><Key>a.txt</Key>" in s3.body  # flattened list


def test_s3_no_such_bucket() -> None:
    s3 = Answer("s3")
    error = ServiceError("NoSuchBucket", "The specified bucket does not exist", BucketName="nope")
    caught = s3.error("ListObjectsV2", "list_objects_v2", error, Bucket="nope")
    assert isinstance(caught, s3.client.exceptions.NoSuchBucket)
    assert caught.response["Error"] == {
        "Code": "NoSuchBucket",
        "Message": "The specified bucket does not exist",
        "BucketName": "nope",
    }
    assert caught.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert caught.response["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert s3.body.endswith(
        b"<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
        b"<BucketName>nope</BucketName><RequestId>" + REQUEST_ID.encode() + b"</RequestId></Error>"
    )


def test_s3_get_object_streams_with_header_members() -> None:
    s3 = Answer("s3")
    modified = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    result = {
        "Body": io.BytesIO(b"object data"),
        "ContentType": "text/plain",
        "ContentLength": 11,
        "LastModified": modified,
        "Metadata": {"owner": "me"},
        "ETag": '"abc"',
    }
    parsed = s3.result("GetObject", "get_object", result, Bucket="b", Key="k")
    assert parsed["Body"].read() == b"object data"
    assert parsed["ContentType"] == "text/plain"
    assert parsed["LastModified"] == modified
    assert parsed["Metadata"] == {"owner": "me"}
    assert s3.last.headers["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"
    assert s3.last.headers["x-amz-meta-owner"] == "me"


def test_s3_head_object_keeps_modelled_content_length() -> None:
    s3 = Answer("s3")
    parsed = s3.result("HeadObject", "head_object", {"ContentLength": 1234, "ETag": '"e"'}, Bucket="b", Key="k")
    assert parsed["ContentLength"] == 1234
    assert s3.last.headers["Content-Length"] == "1234"


# -- EC2 ----------------------------------------------------------------------------------


def test_ec2_describe_regions() -> None:
    ec2 = Answer("ec2")
    result = {"Regions": [{"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com", "OptInStatus": "opt-in-not-required"}]}
    parsed = ec2.result("DescribeRegions", "describe_regions", result)
    assert _strip(parsed) == result
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID
    assert b"<regionInfo><item><regionName>us-east-1</regionName>" in ec2.body


def test_ec2_error() -> None:
    ec2 = Answer("ec2")
    caught = ec2.error("DescribeRegions", "describe_regions", ServiceError("InvalidParameterValue", "bad", status=400))
    assert caught.response["Error"] == {"Code": "InvalidParameterValue", "Message": "bad"}
    assert caught.response["ResponseMetadata"]["RequestId"] == REQUEST_ID


# -- plumbing ----------------------------------------------------------------------------


def test_serializer_plans_are_cached_per_operation() -> None:
    serializer = create_serializer(MODELS.get("lambda"))
    operation = MODELS.get("lambda").operation_model("GetFunction")
    serializer.serialize_response(operation, {"Configuration": FUNCTION}, REQUEST_ID)
    plan = serializer._plans["GetFunction"]
    serializer.serialize_response(operation, {"Configuration": FUNCTION}, REQUEST_ID)
    assert serializer._plans["GetFunction"] is plan


def test_multi_protocol_service_answers_in_the_clients_protocol() -> None:
    from gateway.protocol.serializers import JSONSerializer, QuerySerializer

    cloudwatch = MODELS.get("cloudwatch")
    assert isinstance(create_serializer(cloudwatch), JSONSerializer)  # what boto3 speaks
    assert isinstance(create_serializer(cloudwatch, "query"), QuerySerializer)


def test_unknown_protocol_is_rejected() -> None:
    from botocore.model import ServiceModel

    with pytest.raises(ValueError, match="unsupported protocol"):
        create_serializer(ServiceModel({"metadata": {"protocol": "smithy-rpc-v2-cbor"}, "shapes": {}, "operations": {}}))
