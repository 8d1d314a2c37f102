"""Our parsers against real botocore models and real client requests.

Requests are produced by botocore itself: a boto3 client whose ``before-send``
hook captures the signed request (so every client-side customisation runs),
or botocore's bare serializer for the exhaustive per-operation round trips.
"""

from __future__ import annotations

import base64
import gzip
import json
import functools
import string
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.config import Config
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest
from gateway.protocol.errors import MalformedRequestError, OperationNotFoundError, ProtocolError
from gateway.protocol.models import ServiceModels
from gateway.protocol.parsers import MultiProtocolParser, RequestParser, create_parser
from tests.support.captured import http_request_from
from tests.unit.test_protocol_input import canonical, check_types, drop_named_params_from_query_map

ENDPOINT = "http://localhost:4566"
UTC = timezone.utc


@lru_cache(maxsize=None)
def models() -> ServiceModels:
    return ServiceModels()


@lru_cache(maxsize=None)
def parser_for(service: str) -> RequestParser:
    return create_parser(models().get(service))


# -- capturing what a real client sends ------------------------------------------


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


@lru_cache(maxsize=None)
def client(service: str, **config: Any) -> Any:
    new = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, s3={"addressing_style": "path"}, **config),
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    new.meta.events.register("before-send", capture)
    return new


def sent(service: str, operation: str, **params: Any) -> HttpRequest:
    """The HTTP request boto3 sends for ``client.<operation>(**params)``."""
    with pytest.raises(_Captured) as captured:
        getattr(client(service), operation)(**params)
    return http_request_from(captured.value.request)


def parse(service: str, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
    operation, params = parser_for(service).parse(request)
    if operation.input_shape is not None:
        check_types(operation.input_shape, params)
    return operation, params


def roundtrip(service: str, operation: str, extra: frozenset[str] = frozenset(), **params: Any) -> dict[str, Any]:
    """Send ``params`` with boto3, parse them back: same operation, same params
    (plus only the members named in ``extra``, which client handlers add)."""
    model, parsed = parse(service, sent(service, operation, **params))
    assert model.name == botocore_name(service, operation)
    shape = model.input_shape
    unexpected = set(parsed) - set(params) - extra
    assert not unexpected, f"unexpected members {unexpected}"
    subset = {key: value for key, value in parsed.items() if key in params}
    assert canonical(shape, subset) == canonical(shape, params)
    return parsed


def botocore_name(service: str, python_name: str) -> str:
    return client(service).meta.method_to_api_mapping[python_name]


# -- Lambda (rest-json) ------------------------------------------------------------

ZIP = b"PK\x03\x04" + bytes(range(256)) * 4
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:my-func"


def test_lambda_create_function_with_zip_blob() -> None:
    parsed = roundtrip(
        "lambda",
        "create_function",
        FunctionName="my-func",
        Runtime="python3.12",
        Role="arn:aws:iam::000000000000:role/r",
        Handler="app.handler",
        Code={"ZipFile": ZIP},
        Timeout=30,
        MemorySize=256,
        Publish=True,
        Environment={"Variables": {"A": "1", "B": "two words"}},
        Layers=["arn:aws:lambda:us-east-1:000000000000:layer:l:1"],
        Tags={"team": "x"},
        Architectures=["arm64"],
    )
    assert parsed["Code"]["ZipFile"] == ZIP
    assert parsed["Timeout"] == 30 and parsed["Publish"] is True


def test_lambda_invoke_payload_header_and_qualifier() -> None:
    client_context = base64.b64encode(b'{"custom": {}}').decode()
    request = sent(
        "lambda",
        "invoke",
        FunctionName="my-func",
        InvocationType="Event",
        LogType="Tail",
        ClientContext=client_context,
        Payload=b'{"x": 1}',
        Qualifier="1",
    )
    operation, params = parse("lambda", request)
    assert operation.name == "Invoke"
    assert params == {
        "FunctionName": "my-func",
        "InvocationType": "Event",
        "LogType": "Tail",
        "ClientContext": client_context,
        "Payload": b'{"x": 1}',
        "Qualifier": "1",
    }


def test_lambda_invoke_without_payload_has_no_payload() -> None:
    _, params = parse("lambda", sent("lambda", "invoke", FunctionName="f"))
    assert params == {"FunctionName": "f"}


@pytest.mark.parametrize("name", ["my-func", FUNCTION_ARN, FUNCTION_ARN + ":$LATEST", "000000000000:function:f"])
def test_lambda_get_function_names_and_qualifier(name: str) -> None:
    roundtrip("lambda", "get_function", FunctionName=name, Qualifier="prod")
    roundtrip("lambda", "get_function_configuration", FunctionName=name)


def test_lambda_list_functions_paging() -> None:
    roundtrip("lambda", "list_functions", Marker="abc==", MaxItems=10, FunctionVersion="ALL", MasterRegion="ALL")
    operation, params = parse("lambda", sent("lambda", "list_functions"))
    assert (operation.name, params) == ("ListFunctions", {})


def test_lambda_add_permission() -> None:
    roundtrip(
        "lambda",
        "add_permission",
        FunctionName="my-func",
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::bucket",
        SourceAccount="000000000000",
        Qualifier="2",
        FunctionUrlAuthType="NONE",
    )


def test_lambda_tag_resource_arn_with_colons_in_path() -> None:
    request = sent("lambda", "tag_resource", Resource=FUNCTION_ARN, Tags={"a": "1", "b": ""})
    assert "%3A" in request.path
    _, params = parse("lambda", request)
    assert params == {"Resource": FUNCTION_ARN, "Tags": {"a": "1", "b": ""}}
    # curl and other hand-written clients leave the colons unencoded.
    raw = HttpRequest("GET", f"/2017-03-31/tags/{FUNCTION_ARN}")
    operation, params = parse("lambda", raw)
    assert (operation.name, params) == ("ListTags", {"Resource": FUNCTION_ARN})


def test_lambda_untag_resource_list_in_query() -> None:
    roundtrip("lambda", "untag_resource", Resource=FUNCTION_ARN, TagKeys=["a", "b c", "d&e"])


def test_lambda_update_function_url_config() -> None:
    roundtrip(
        "lambda",
        "update_function_url_config",
        FunctionName="my-func",
        Qualifier="live",
        AuthType="AWS_IAM",
        Cors={
            "AllowCredentials": True,
            "AllowHeaders": ["x-a"],
            "AllowMethods": ["GET", "POST"],
            "AllowOrigins": ["*"],
            "MaxAge": 86400,
        },
        InvokeMode="RESPONSE_STREAM",
    )


def test_lambda_layer_by_arn_versus_list_layers() -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:layer:my-layer:3"
    request = sent("lambda", "get_layer_version_by_arn", Arn=arn)
    assert request.path == "/2018-10-31/layers"
    assert "find=LayerVersion" in request.query_string
    operation, params = parse("lambda", request)
    assert (operation.name, params) == ("GetLayerVersionByArn", {"Arn": arn})
    operation, params = parse("lambda", sent("lambda", "list_layers", CompatibleRuntime="python3.12"))
    assert (operation.name, params) == ("ListLayers", {"CompatibleRuntime": "python3.12"})


def test_lambda_trailing_slash_and_event_source_mappings() -> None:
    operation, params = parse("lambda", HttpRequest("GET", "/2015-03-31/functions/", "MaxItems=5"))
    assert (operation.name, params) == ("ListFunctions", {"MaxItems": 5})
    roundtrip(
        "lambda",
        "create_event_source_mapping",
        EventSourceArn="arn:aws:sqs:us-east-1:000000000000:q",
        FunctionName="f",
        BatchSize=10,
        Enabled=True,
        FilterCriteria={"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]},
        FunctionResponseTypes=["ReportBatchItemFailures"],
        StartingPositionTimestamp=datetime(2024, 5, 6, 7, 8, 9, 500000, tzinfo=UTC),
    )


# -- SQS (json 1.0, query compatible), DynamoDB (json) -----------------------------


def test_sqs_send_message() -> None:
    request = sent(
        "sqs",
        "send_message",
        QueueUrl="http://localhost:4566/000000000000/q",
        MessageBody="hello",
        DelaySeconds=5,
        MessageAttributes={
            "s": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    )
    assert request.headers["X-Amz-Target"] == "AmazonSQS.SendMessage"
    operation, params = parse("sqs", request)
    assert operation.name == "SendMessage"
    assert params["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\xff"
    assert params["DelaySeconds"] == 5


def test_sqs_receive_and_batch() -> None:
    roundtrip("sqs", "receive_message", QueueUrl="u", MaxNumberOfMessages=10, WaitTimeSeconds=0,
              MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
    roundtrip("sqs", "send_message_batch", QueueUrl="u",
              Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b", "DelaySeconds": 1}])


def test_dynamodb_put_item_nested_attribute_values() -> None:
    item = {
        "pk": {"S": "k"},
        "n": {"N": "1.5"},
        "b": {"B": b"\x01\x02"},
        "bs": {"BS": [b"a", b"b"]},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"BOOL": True}, {"NULL": True}]}}},
    }
    parsed = roundtrip("dynamodb", "put_item", TableName="t", Item=item, ReturnValues="ALL_OLD",
                       ConditionExpression="attribute_not_exists(pk)")
    assert parsed["Item"]["b"]["B"] == b"\x01\x02"


def test_dynamodb_query_and_create_table() -> None:
    roundtrip("dynamodb", "query", TableName="t", KeyConditionExpression="pk = :v",
              ExpressionAttributeValues={":v": {"S": "k"}}, Limit=5, ScanIndexForward=False)
    roundtrip("dynamodb", "create_table", TableName="t", BillingMode="PAY_PER_REQUEST",
              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})


# -- STS, IAM (query) ----------------------------------------------------------------


def test_sts_get_caller_identity() -> None:
    request = sent("sts", "get_caller_identity")
    assert b"Action=GetCallerIdentity" in request.body
    operation, params = parse("sts", request)
    assert (operation.name, params) == ("GetCallerIdentity", {})


def test_sts_assume_role_lists_of_structures() -> None:
    roundtrip("sts", "assume_role", RoleArn="arn:aws:iam::000000000000:role/r", RoleSessionName="session",
              DurationSeconds=900, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
              PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], TransitiveTagKeys=["a"])


def test_iam_create_role_and_list_roles() -> None:
    roundtrip("iam", "create_role", RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"}),
              MaxSessionDuration=3600, Tags=[{"Key": "k", "Value": "v"}], Path="/svc/")
    roundtrip("iam", "list_roles", PathPrefix="/", MaxItems=10, Marker="m")


def test_query_get_request_with_query_string() -> None:
    operation, params = parse("iam", HttpRequest("GET", "/", "Action=ListRoles&MaxItems=3&Version=2010-05-08"))
    assert (operation.name, params) == ("ListRoles", {"MaxItems": 3})


# -- S3 (rest-xml) ---------------------------------------------------------------------

S3_ADDED = frozenset({"ChecksumAlgorithm", "ChecksumCRC32", "ContentMD5", "ChecksumMode", "ContentLength"})


def test_s3_put_object_with_metadata_headers() -> None:
    parsed = roundtrip(
        "s3",
        "put_object",
        S3_ADDED,
        Bucket="bucket",
        Key="dir/My File+1ü.txt",
        Body=b"hello",
        ContentType="text/plain",
        Metadata={"owner": "me", "purpose": "a, b"},
        Tagging="a=1&b=2",
        Expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        StorageClass="STANDARD_IA",
    )
    assert parsed["Body"] == b"hello"
    assert parsed["ChecksumAlgorithm"] == "CRC32"


def test_s3_metadata_keys_are_lowercased_as_s3_stores_them() -> None:
    _, params = parse("s3", sent("s3", "put_object", Bucket="b", Key="k", Metadata={"MixedCase": "v"}))
    assert params["Metadata"] == {"mixedcase": "v"}


def test_s3_list_objects_v2_versus_v1() -> None:
    request = sent("s3", "list_objects_v2", Bucket="bucket", Prefix="a/", Delimiter="/", MaxKeys=5,
                   ContinuationToken="tok", StartAfter="a/b", FetchOwner=True)
    operation, params = parse("s3", request)
    assert operation.name == "ListObjectsV2"
    assert params["MaxKeys"] == 5 and params["FetchOwner"] is True and params["Prefix"] == "a/"
    operation, _ = parse("s3", sent("s3", "list_objects", Bucket="bucket"))
    assert operation.name == "ListObjects"


@pytest.mark.parametrize("key", ["plain", "dir/sub/", "a b/c+d?e#f", "ü/€", "//double", "x%2Fy"])
def test_s3_object_keys(key: str) -> None:
    roundtrip("s3", "get_object", S3_ADDED, Bucket="bucket", Key=key, Range="bytes=0-9", VersionId="v1")
    roundtrip("s3", "head_object", S3_ADDED, Bucket="bucket", Key=key)


def test_s3_bucket_operations_disambiguated_by_query_literals() -> None:
    for method, expected in [
        ("get_bucket_tagging", "GetBucketTagging"),
        ("get_bucket_policy", "GetBucketPolicy"),
        ("get_bucket_location", "GetBucketLocation"),
        ("get_bucket_versioning", "GetBucketVersioning"),
        ("head_bucket", "HeadBucket"),
        ("delete_bucket", "DeleteBucket"),
    ]:
        operation, params = parse("s3", sent("s3", method, Bucket="bucket"))
        assert operation.name == expected
        assert params["Bucket"] == "bucket"


def test_s3_create_bucket_structure_payload() -> None:
    roundtrip("s3", "create_bucket", Bucket="bucket", ACL="private",
              CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    roundtrip("s3", "create_bucket", Bucket="bucket")


def test_s3_delete_objects_flattened_list() -> None:
    roundtrip("s3", "delete_objects", S3_ADDED, Bucket="bucket",
              Delete={"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "1"}], "Quiet": True})


def test_s3_multipart_upload_flow() -> None:
    roundtrip("s3", "create_multipart_upload", S3_ADDED, Bucket="b", Key="k", Metadata={"a": "b"})
    roundtrip("s3", "upload_part", S3_ADDED, Bucket="b", Key="k", PartNumber=2, UploadId="u", Body=b"part")
    roundtrip("s3", "complete_multipart_upload", S3_ADDED, Bucket="b", Key="k", UploadId="u",
              MultipartUpload={"Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]})
    roundtrip("s3", "list_parts", Bucket="b", Key="k", UploadId="u", MaxParts=3)


def test_s3_put_bucket_tagging_wrapped_list() -> None:
    roundtrip("s3", "put_bucket_tagging", S3_ADDED, Bucket="b",
              Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]})


def test_s3_aws_chunked_upload_with_trailer() -> None:
    payload = b"hello world"
    body = (
        b"b;chunk-signature=abc\r\n" + payload + b"\r\n"
        b"0;chunk-signature=def\r\n"
        b"x-amz-checksum-crc32:DUoRhQ==\r\n"
        b"x-amz-trailer-signature:123\r\n\r\n"
    )
    headers = Headers({
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(payload)),
        "x-amz-trailer": "x-amz-checksum-crc32",
        "Content-Length": str(len(body)),
    })
    operation, params = parse("s3", HttpRequest("PUT", "/b/k", headers=headers, body=body))
    assert operation.name == "PutObject"
    assert params["Body"] == payload
    assert params["ChecksumCRC32"] == "DUoRhQ=="
    assert params["ContentLength"] == len(payload)
    assert "ContentEncoding" not in params


# -- request compression ------------------------------------------------------------


def test_gzip_body_for_operation_with_requestcompression() -> None:
    service = models().get("cloudwatch")
    parser = create_parser(service)
    assert isinstance(parser, MultiProtocolParser)
    data = [{"MetricName": f"m{i}", "Value": float(i), "Unit": "Count"} for i in range(400)]
    cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=ENDPOINT,
                      aws_access_key_id="t", aws_secret_access_key="t",
                      config=Config(retries={"max_attempts": 0}, request_min_compression_size_bytes=128))
    captured: list[Any] = []

    def capture(request: Any, **_: Any) -> None:
        captured.append(request)
        raise _Captured(request)

    cw.meta.events.register("before-send", capture)
    with pytest.raises(_Captured):
        cw.put_metric_data(Namespace="ns", MetricData=data)
    prepared = captured[0]
    assert prepared.headers["Content-Encoding"] == b"gzip"
    request = HttpRequest(prepared.method, urlsplit(prepared.url).path or "/",
                          headers=Headers({k: v.decode() if isinstance(v, bytes) else v
                                           for k, v in prepared.headers.items()}),
                          body=prepared.body if isinstance(prepared.body, bytes) else prepared.body.read())
    operation, params = parser.parse(request)
    assert operation.name == "PutMetricData"
    assert [d["MetricName"] for d in params["MetricData"]] == [d["MetricName"] for d in data]
    # The same data through the query protocol (older clients), gzipped by hand.
    form = "Action=PutMetricData&Version=2010-08-01&Namespace=ns&MetricData.member.1.MetricName=m&MetricData.member.1.Value=2"
    query = HttpRequest("POST", "/", headers=Headers({"Content-Type": "application/x-www-form-urlencoded",
                                                       "Content-Encoding": "gzip"}), body=gzip.compress(form.encode()))
    operation, params = parser.parse(query)
    assert params == {"Namespace": "ns", "MetricData": [{"MetricName": "m", "Value": 2.0}]}


def test_s3_content_encoding_gzip_is_not_decompressed() -> None:
    body = gzip.compress(b"data")
    _, params = parse("s3", sent("s3", "put_object", Bucket="b", Key="k", Body=body, ContentEncoding="gzip"))
    assert params["Body"] == body and params["ContentEncoding"] == "gzip"


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (2 * 1024 * 1024))
    parser = create_parser(models().get("sqs"), max_document_size=1024 * 1024)
    request = HttpRequest("POST", "/", headers=Headers({"X-Amz-Target": "AmazonSQS.ListQueues",
                                                        "Content-Encoding": "gzip"}), body=bomb)
    with pytest.raises(ProtocolError) as error:
        parser.parse(request)
    assert error.value.status == 413


def test_unsupported_protocol_is_a_clear_error() -> None:
    cbor_only = next(
        name for name in models().available()
        if models()._loader.load_service_model(name, "service-2")["metadata"].get("protocols") == ["smithy-rpc-v2-cbor"]
    )
    with pytest.raises(ValueError, match="smithy-rpc-v2-cbor"):
        create_parser(models().get(cbor_only))


# -- every operation, generated params, botocore's bare serializer ----------------

SAMPLE_TIME = datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC)


def sample(shape: Shape, name: str, template: str, depth: int = 0, location: str | None = None) -> Any:
    """A deterministic value for ``shape``: every member set, unions with one."""
    type_name = shape.type_name
    if type_name == "structure":
        if shape.is_document_type:
            return {"doc": [1, "two", True, None]}
        if depth > 4 or shape.serialization.get("eventstream"):
            return None
        result = {}
        for member_name, member in shape.members.items():
            location = member.serialization.get("location") if depth == 0 else None
            if location == "uri" and "{" + member.serialization.get("name", member_name) not in template:
                continue
            if location == "header" and member.type_name == "blob":
                continue  # botocore writes str(bytes) there
            value = sample(member, member_name, template, depth + 1, location)
            if value in (None, {}, []):
                continue
            result[member_name] = value
            if shape.metadata.get("union"):
                break
        return result
    if type_name == "list":
        item = sample(shape.member, name, template, depth + 1)
        if item in (None, {}, []):
            return None
        second = sample(shape.member, name + "2", template, depth + 1) if shape.member.type_name == "string" else item
        return [item, second]
    if type_name == "map":
        value = sample(shape.value, name, template, depth + 1)
        return None if value in (None, {}, []) else {"key-1": value, "key-2": value}
    if type_name == "string":
        if shape.enum:
            return shape.enum[0]
        if shape.serialization.get("hostLabel"):
            return "host-label"
        if location == "uri" and "{" + shape.serialization.get("name", name) + "+}" in template:
            return "dir/sub dir/k:ey+ü.txt"
        return f"{name} v:1"
    if type_name in ("integer", "long", "short", "byte"):
        return 7
    if type_name in ("float", "double"):
        return 1.5
    if type_name == "boolean":
        return True
    if type_name == "timestamp":
        return SAMPLE_TIME
    if type_name == "blob":
        return b"\x00\xffblob"
    return None


def serialized_by_botocore(service: ServiceModel, operation: OperationModel, params: dict[str, Any]) -> HttpRequest:
    from botocore.awsrequest import create_request_object

    serializer = create_serializer(service.resolved_protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url=ENDPOINT)
    return http_request_from(create_request_object(request_dict).prepare())


def check_generated_roundtrip(service_name: str, operation_name: str) -> None:
    service = models().get(service_name)
    operation = service.operation_model(operation_name)
    if operation.has_event_stream_input:
        pytest.skip("event stream input")
    shape = operation.input_shape
    params = {} if shape is None else sample(shape, "", operation.http.get("requestUri", "/"))
    request = serialized_by_botocore(service, operation, params)
    parsed_operation, parsed = parser_for(service_name).parse(request)
    if parsed_operation.name != operation_name and operation.deprecated and parsed_operation.http == operation.http:
        pytest.skip(f"deprecated, same HTTP binding as {parsed_operation.name}, which wins")
    assert parsed_operation.name == operation_name, f"{request.method} {request.path}?{request.query_string}"
    if shape is None:
        return
    check_types(shape, parsed)
    parsed = drop_named_params_from_query_map(shape, parsed, params)
    for name, member in shape.members.items():  # map entries shadowing named params
        if member.serialization.get("location") == "querystring" and member.type_name == "map" and name in params:
            parsed[name] = {key: value for key, value in parsed[name].items() if key in params[name]}
    assert canonical(shape, parsed) == canonical(shape, params)


GENERATED_SERVICES = ("lambda", "s3", "sqs", "dynamodb", "sts", "iam")
BROAD_SERVICES = ("sns", "ec2", "cloudwatch", "logs", "kinesis", "events", "dynamodbstreams",
                  "apigateway", "route53", "cloudfront", "s3control", "stepfunctions", "secretsmanager")


@pytest.mark.parametrize(
    "service_name, operation_name",
    [(s, o) for s in GENERATED_SERVICES for o in models().get(s).operation_names],
)
def test_every_operation_roundtrips(service_name: str, operation_name: str) -> None:
    check_generated_roundtrip(service_name, operation_name)


@pytest.mark.parametrize("service_name", BROAD_SERVICES)
def test_every_operation_roundtrips_more_services(service_name: str) -> None:
    failures = []
    for operation_name in models().get(service_name).operation_names:
        try:
            check_generated_roundtrip(service_name, operation_name)
        except (AssertionError, ProtocolError) as error:
            failures.append(f"{operation_name}: {str(error)[:300]}")
        except pytest.skip.Exception:
            pass
    assert not failures, "\n".join(failures)


# -- the router, on a small synthetic model -----------------------------------------


def _rest_service(routes: dict[str, tuple[str, str]]) -> ServiceModel:
    shapes: dict[str, Any] = {"String": {"type": "string"}}
    operations = {}
    for name, (method, uri) in routes.items():
        members = {}
        for label in __import__("re").findall(r"{([^}+]+)\+?}", uri):
            members[label] = {"shape": "String", "location": "uri", "locationName": label}
        shapes[f"{name}Input"] = {"type": "structure", "required": list(members), "members": members}
        operations[name] = {"name": name, "http": {"method": method, "requestUri": uri},
                            "input": {"shape": f"{name}Input"}}
    metadata = {"protocol": "rest-json", "apiVersion": "2020-01-01", "serviceId": "Router",
                "endpointPrefix": "router", "signatureVersion": "v4"}
    return ServiceModel({"metadata": metadata, "shapes": shapes, "operations": operations}, "router")


ROUTER = create_parser(_rest_service({
    "ListThings": ("GET", "/things"),
    "ListThingsV2": ("GET", "/things?v=2"),
    "GetSpecial": ("GET", "/things/special"),
    "GetThing": ("GET", "/things/{Id}"),
    "PutThing": ("PUT", "/things/{Id}"),
    "FlagThing": ("POST", "/things/{Id}?flag"),
    "ListVersions": ("GET", "/things/{Id}/versions/"),
    "GetVersion": ("GET", "/things/{Id}/versions/{Version}"),
    "GetFile": ("GET", "/files/{Path+}"),
    "GetFileMeta": ("GET", "/files/{Path+}/meta"),
    "GetRoot": ("GET", "/"),
}))


@pytest.mark.parametrize("method, uri, expected", [
    ("GET", "/things", ("ListThings", {})),
    ("GET", "/things/", ("ListThings", {})),
    ("GET", "/things?v=2", ("ListThingsV2", {})),
    ("GET", "/things?v=3", ("ListThings", {})),
    ("GET", "/things/special", ("GetSpecial", {})),
    ("GET", "/things/sp%65cial", ("GetSpecial", {})),
    ("GET", "/things/other", ("GetThing", {"Id": "other"})),
    ("GET", "/things/a%2Fb%20c", ("GetThing", {"Id": "a/b c"})),
    ("GET", "/things/a+b", ("GetThing", {"Id": "a+b"})),
    ("GET", "/things/x/", ("GetThing", {"Id": "x"})),
    ("PUT", "/things/x", ("PutThing", {"Id": "x"})),
    ("POST", "/things/x?flag", ("FlagThing", {"Id": "x"})),
    ("POST", "/things/x?flag=yes&other=1", ("FlagThing", {"Id": "x"})),
    ("GET", "/things/x/versions", ("ListVersions", {"Id": "x"})),
    ("GET", "/things/x/versions/", ("ListVersions", {"Id": "x"})),
    ("GET", "/things/x/versions/3", ("GetVersion", {"Id": "x", "Version": "3"})),
    ("GET", "/files/a", ("GetFile", {"Path": "a"})),
    ("GET", "/files/a/b/c.txt", ("GetFile", {"Path": "a/b/c.txt"})),
    ("GET", "/files/dir/", ("GetFile", {"Path": "dir/"})),
    ("GET", "/files//lead", ("GetFile", {"Path": "/lead"})),
    ("GET", "/files/a/b/meta", ("GetFileMeta", {"Path": "a/b"})),
    ("GET", "/files/meta", ("GetFile", {"Path": "meta"})),
    ("GET", "/", ("GetRoot", {})),
    ("GET", "", ("GetRoot", {})),
])
def test_router_precedence(method: str, uri: str, expected: tuple[str, dict]) -> None:
    path, _, query = uri.partition("?")
    operation, params = ROUTER.parse(HttpRequest(method, path, query))
    assert (operation.name, params) == expected


@pytest.mark.parametrize("method, path", [
    ("GET", "/nothing/here"), ("DELETE", "/things/x"), ("POST", "/things/x"),
    ("GET", "/things//versions"), ("GET", "/files"), ("GET", "/things/x/versions/3/extra"),
])
def test_router_no_match_is_404_naming_method_and_path(method: str, path: str) -> None:
    with pytest.raises(OperationNotFoundError) as error:
        ROUTER.parse(HttpRequest(method, path))
    assert error.value.status == 404
    assert f"{method} {path}" in error.value.message


def test_router_is_built_once_per_parser() -> None:
    parser = create_parser(models().get("lambda"))
    router = parser.router
    parser.parse(HttpRequest("GET", "/2015-03-31/functions/f"))
    assert parser.router is router


# -- malformed input: always a ProtocolError with the protocol's code ------------------


def _json_request(target: str, body: bytes | str) -> HttpRequest:
    data = body.encode() if isinstance(body, str) else body
    return HttpRequest("POST", "/", headers=Headers({"X-Amz-Target": target,
                                                    "Content-Type": "application/x-amz-json-1.0"}), body=data)


@pytest.mark.parametrize("service, request_, code, status", [
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", "{"), "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", "[1]"), "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", b"\xff\xfe{"), "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", '{"QueueUrl": "u", "MaxNumberOfMessages": "ten"}'),
     "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", '{"QueueUrl": 5}'), "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", '{"QueueUrl": "u", "MaxNumberOfMessages": 1.5}'),
     "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", '{"QueueUrl": "u", "MaxNumberOfMessages": true}'),
     "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", '{"QueueUrl": "u", "MaxNumberOfMessages": 99999999999}'),
     "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.ReceiveMessage", "[" * 100_000), "SerializationException", 400),
    ("sqs", _json_request("AmazonSQS.Nope", "{}"), "UnknownOperationException", 400),
    ("sqs", _json_request("DynamoDB_20120810.ListTables", "{}"), "UnknownOperationException", 400),
    ("sqs", HttpRequest("POST", "/", body=b"{}"), "UnknownOperationException", 400),
    ("dynamodb", _json_request("DynamoDB_20120810.PutItem", '{"TableName": "t", "Item": {"a": {"B": "***"}}}'),
     "SerializationException", 400),
    ("dynamodb", _json_request("DynamoDB_20120810.PutItem", '{"TableName": "t", "Item": {"a": {"M": {"b": {"L": 1}}}}}'),
     "SerializationException", 400),
    ("dynamodb", _json_request("DynamoDB_20120810.PutItem", '{"TableName": "t", "Item": {"a": {"BOOL": "yes"}}}'),
     "SerializationException", 400),
    ("kinesis", _json_request("Kinesis_20131202.ListShards", '{"StreamCreationTimestamp": "yesterday"}'),
     "SerializationException", 400),
    ("kinesis", _json_request("Kinesis_20131202.ListShards", '{"StreamCreationTimestamp": 1e300}'),
     "SerializationException", 400),
    ("lambda", HttpRequest("POST", "/2015-03-31/functions", body=b"{not json"), "SerializationException", 400),
    ("lambda", HttpRequest("POST", "/2015-03-31/functions", body=b'{"Timeout": "3"}'), "SerializationException", 400),
    ("lambda", HttpRequest("POST", "/2015-03-31/functions", body=b'{"Code": {"ZipFile": "%%%"}}'),
     "SerializationException", 400),
    ("lambda", HttpRequest("GET", "/2015-03-31/functions", "MaxItems=abc"), "SerializationException", 400),
    ("lambda", HttpRequest("GET", "/2015-03-31/nothing"), "UnknownOperationException", 404),
    ("lambda", HttpRequest("PATCH", "/2015-03-31/functions/f"), "UnknownOperationException", 404),
    ("s3", HttpRequest("POST", "/b", "delete", body=b"<Delete><Object>"), "MalformedXML", 400),
    ("s3", HttpRequest("POST", "/b", "delete", body=b'<!DOCTYPE x [<!ENTITY a "b">]><Delete/>'), "MalformedXML", 400),
    ("s3", HttpRequest("POST", "/b", "delete", body=b"<Delete><Quiet>maybe</Quiet></Delete>"), "InvalidArgument", 400),
    ("s3", HttpRequest("GET", "/b", "list-type=2&max-keys=ten"), "InvalidArgument", 400),
    ("s3", HttpRequest("GET", "/b/k", headers=Headers({"If-Modified-Since": "whenever"})), "InvalidArgument", 400),
    ("s3", HttpRequest("PUT", "/b/k", headers=Headers({"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}),
                       body=b"zz\r\nabc"), "IncompleteBody", 400),
    ("iam", HttpRequest("POST", "/", body=b"Version=2010-05-08"), "MissingAction", 400),
    ("iam", HttpRequest("POST", "/", body=b"Action=Nope"), "InvalidAction", 400),
    ("iam", HttpRequest("POST", "/", body=b"Action=ListRoles&MaxItems=abc"), "InvalidParameterValue", 400),
    ("iam", HttpRequest("POST", "/", body=b"Action=ListRoles&PathPrefix=%FF"), "MalformedQueryString", 404),
    ("iam", HttpRequest("POST", "/", body=b"Action=ListRoles&Marker=\xff"), "MalformedQueryString", 404),
    ("sts", HttpRequest("POST", "/", body=b"Action=AssumeRole&Tags.member.1.Key=a&Tags.member.x.Key=b&DurationSeconds=1.5"),
     "InvalidParameterValue", 400),
    ("sts", HttpRequest("POST", "/", body=b"Action=AssumeRole&Tags.member.1.Value=v"), None, None),
    ("ec2", HttpRequest("POST", "/", body=b"Action=Nope"), "InvalidAction", 400),
    ("ec2", HttpRequest("POST", "/", body=b"Action=DescribeInstances&MaxResults=x"), "InvalidParameterValue", 400),
    ("ec2", HttpRequest("POST", "/", body=b"Action=DescribeInstances&DryRun=maybe"), "InvalidParameterValue", 400),
])
def test_malformed_input(service: str, request_: HttpRequest, code: str | None, status: int | None) -> None:
    if code is None:  # accepted: unknown or incomplete parts are not errors by themselves
        parser_for(service).parse(request_)
        return
    with pytest.raises(ProtocolError) as error:
        parser_for(service).parse(request_)
    assert (error.value.code, error.value.status) == (code, status), error.value.message
    expected_class = OperationNotFoundError if code in (
        "UnknownOperationException", "InvalidAction", "MissingAction") else MalformedRequestError
    assert isinstance(error.value, expected_class)


def test_value_errors_name_the_member() -> None:
    with pytest.raises(MalformedRequestError) as error:
        parser_for("lambda").parse(HttpRequest("POST", "/2015-03-31/functions",
                                               body=b'{"Environment": {"Variables": {"A": 1}}}'))
    assert "Environment.Variables.A" in error.value.message


def test_body_size_is_checked_before_parsing() -> None:
    parser = create_parser(models().get("sqs"), max_document_size=100)
    with pytest.raises(ProtocolError) as error:
        parser.parse(_json_request("AmazonSQS.ListQueues", b"{" + b" " * 200 + b"}"))
    assert error.value.status == 413


def test_empty_bodies_are_fine() -> None:
    assert parser_for("sqs").parse(_json_request("AmazonSQS.ListQueues", b""))[1] == {}
    assert parser_for("lambda").parse(HttpRequest("POST", "/2015-03-31/functions"))[1] == {}
    assert parser_for("s3").parse(HttpRequest("POST", "/b", "delete"))[1] == {"Bucket": "b"}
    assert parser_for("sts").parse(HttpRequest("POST", "/", body=b"Action=GetCallerIdentity"))[1] == {}


def test_header_list_quoting_and_http_dates() -> None:
    from gateway.protocol.parsers.rest import split_header_list

    assert split_header_list('a, "b,c", "\\"d\\"", e') == ["a", "b,c", '"d"', "e"]
    assert split_header_list("") == []
    assert split_header_list(" x ,y") == ["x", "y"]


def test_timestamps_are_utc_and_lenient_about_format() -> None:
    from gateway.protocol.parsers.scalars import parse_timestamp

    expected = datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)
    for value in ["2019-12-16T23:48:18Z", "2019-12-16T23:48:18.000Z", "2019-12-17T00:48:18+01:00",
                  "Mon, 16 Dec 2019 23:48:18 GMT", "1576540098", 1576540098, 1576540098.0]:
        for timestamp_format in ("iso8601", "rfc822", "unixTimestamp"):
            parsed = parse_timestamp(value, timestamp_format)
            assert parsed == expected and parsed.tzinfo == UTC, (value, timestamp_format)
    for bad in ["", "yesterday", "2019-13-16T00:00:00Z", "1e999", "99999999999999999999"]:
        with pytest.raises(ValueError):
            parse_timestamp(bad, "iso8601")


# -- fuzzing: whatever arrives, the answer is params or a ProtocolError ------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)
FUZZ_SETTINGS = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=list(HealthCheck))


def _must_not_crash(service: str, request: HttpRequest) -> None:
    try:
        parser_for(service).parse(request)
    except ProtocolError:
        pass


def _valid_document(service: str, operation: str) -> Any:
    """The JSON body botocore sends for generated params of ``operation``."""
    model = models().get(service)
    operation_model = model.operation_model(operation)
    params = sample(operation_model.input_shape, "", operation_model.http.get("requestUri", "/"))
    return json.loads(serialized_by_botocore(model, operation_model, params).body or b"{}")


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _paths(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _paths(value, prefix + (index,))
    return paths


def _replace(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    if isinstance(document, dict) and path[0] in document:
        copy: Any = dict(document)
    elif isinstance(document, list) and isinstance(path[0], int) and path[0] < len(document):
        copy = list(document)
    else:  # an earlier change replaced this branch
        return document
    copy[path[0]] = _replace(copy[path[0]], path[1:], value)
    return copy


def _mutations(service: str, operation: str) -> st.SearchStrategy:
    """A valid body with one or two values (anywhere in it) replaced by random JSON."""
    document = _valid_document(service, operation)
    paths = _paths(document)[1:] or [()]
    one = st.tuples(st.sampled_from(paths), JSON_VALUES)
    return st.lists(one, min_size=1, max_size=2).map(
        lambda changes: functools.reduce(lambda doc, change: _replace(doc, *change), changes, document)
    )


@pytest.mark.parametrize("service, target, operation", [
    ("dynamodb", "DynamoDB_20120810", "PutItem"),
    ("dynamodb", "DynamoDB_20120810", "Query"),
    ("sqs", "AmazonSQS", "SendMessageBatch"),
    ("kinesis", "Kinesis_20131202", "PutRecords"),
])
def test_fuzz_json_documents(service: str, target: str, operation: str) -> None:
    @FUZZ_SETTINGS
    @given(document=_mutations(service, operation))
    def run(document: Any) -> None:
        _must_not_crash(service, _json_request(f"{target}.{operation}", json.dumps(document)))

    run()


@FUZZ_SETTINGS
@given(document=_mutations("lambda", "CreateFunction"), qualifier=st.text(max_size=10))
def test_fuzz_rest_json_bodies(document: Any, qualifier: str) -> None:
    _must_not_crash("lambda", HttpRequest("POST", "/2015-03-31/functions", body=json.dumps(document).encode()))
    _must_not_crash("lambda", HttpRequest("PUT", "/2015-03-31/functions/f/url", f"Qualifier={qualifier}",
                                          body=json.dumps(document).encode()))


PATH_SEGMENTS = st.sampled_from(
    ["2015-03-31", "2018-10-31", "2017-03-31", "functions", "layers", "versions", "tags", "f", "%2F", "%ZZ",
     "", "b", "k", "..", "url", "policy", "event-source-mappings", "ü", "%C3%BC", "%FF"]
) | st.text(max_size=8)
QUERY_KEYS = st.sampled_from(["Qualifier", "MaxItems", "Marker", "find", "Arn", "list-type", "max-keys",
                              "uploads", "uploadId", "partNumber", "tagKeys", "delete", "versionId", "Action"])
HEADER_NAMES = st.sampled_from(["X-Amz-Invocation-Type", "X-Amz-Log-Type", "Content-Type", "x-amz-meta-a",
                                "Content-Length", "Expires", "If-Modified-Since", "x-amz-copy-source",
                                "x-amz-content-sha256", "Content-Encoding", "x-amz-decoded-content-length",
                                "X-Amz-Target", "x-amz-object-lock-retain-until-date", "Range"])
BODIES = st.binary(max_size=200) | st.sampled_from([
    b"", b"{}", b"[]", b"null", b"<a/>", b"<Delete><Object><Key>k</Key></Object></Delete>",
    b"5\r\nhello\r\n0\r\n\r\n", b"Action=ListRoles&MaxItems=1", b"\x1f\x8b\x08\x00",
]) | JSON_VALUES.map(lambda value: json.dumps(value).encode())


@FUZZ_SETTINGS
@given(
    service=st.sampled_from(["lambda", "s3", "sqs", "sts", "iam", "ec2", "cloudwatch", "dynamodb"]),
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"]),
    segments=st.lists(PATH_SEGMENTS, max_size=6),
    trailing=st.booleans(),
    query=st.lists(st.tuples(QUERY_KEYS | st.text(max_size=5), st.text(max_size=8)), max_size=4),
    headers=st.lists(st.tuples(HEADER_NAMES, st.text(alphabet=string.printable.strip(), max_size=30)), max_size=5),
    body=BODIES,
)
def test_fuzz_any_request(service: str, method: str, segments: list[str], trailing: bool,
                          query: list[tuple[str, str]], headers: list[tuple[str, str]], body: bytes) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(segments) + ("/" if trailing and segments else "")
    query_string = "&".join(f"{quote(k)}={quote(v)}" if v else quote(k) for k, v in query)
    _must_not_crash(service, HttpRequest(method, path, query_string, Headers(headers), body))


@FUZZ_SETTINGS
@given(pairs=st.lists(st.tuples(
    st.lists(st.sampled_from(["Tags", "member", "entry", "key", "value", "Key", "Value", "1", "2", "0", "x",
                              "PolicyArns", "arn", "DurationSeconds", "RoleArn", "Policy", "Filter", "Name"]),
             min_size=1, max_size=5).map(".".join),
    st.text(max_size=10)), max_size=12))
def test_fuzz_query_keys(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    for service, action in (("sts", "AssumeRole"), ("ec2", "DescribeInstances"), ("sns", "Publish")):
        body = urlencode([("Action", action)] + pairs).encode()
        _must_not_crash(service, HttpRequest("POST", "/", headers=Headers(
            {"Content-Type": "application/x-www-form-urlencoded"}), body=body))


XML_TAGS = st.sampled_from(["Delete", "Object", "Key", "VersionId", "Quiet", "Tagging", "TagSet", "Tag", "Value",
                            "CreateBucketConfiguration", "LocationConstraint", "member", "entry", "x"])


def _xml(depth: int = 3) -> st.SearchStrategy:
    leaf = st.text(alphabet=string.ascii_letters + string.digits + " -:.", max_size=10)
    return st.recursive(
        leaf,
        lambda children: st.tuples(XML_TAGS, st.lists(children, max_size=3)).map(
            lambda item: f"<{item[0]}>{''.join(item[1])}</{item[0]}>"),
        max_leaves=15,
    )


@FUZZ_SETTINGS
@given(document=_xml(), query=st.sampled_from(["delete", "tagging", "", "uploads"]))
def test_fuzz_rest_xml_documents(document: str, query: str) -> None:
    for method, path in (("POST", "/b"), ("PUT", "/b"), ("POST", "/b/k")):
        _must_not_crash("s3", HttpRequest(method, path, query, body=document.encode()))


@FUZZ_SETTINGS
@given(text=st.text(max_size=40) | st.integers() | st.floats(), timestamp_format=st.sampled_from(
    ["iso8601", "rfc822", "unixTimestamp", "bogus"]))
def test_fuzz_scalars_raise_only_value_error(text: Any, timestamp_format: str) -> None:
    from gateway.protocol.parsers import scalars

    for convert in (
        lambda value: scalars.parse_timestamp(value, timestamp_format),
        lambda value: scalars.decode_base64(value if isinstance(value, str) else str(value)),
        lambda value: scalars.parse_integer(str(value), "long"),
        lambda value: scalars.parse_float(str(value)),
        lambda value: scalars.parse_boolean(str(value)),
    ):
        try:
            convert(text)
        except ValueError:
            pass


def test_protocol_choice_follows_botocore() -> None:
    json_first = next(
        name for name in models().available()
        if models()._loader.load_service_model(name, "service-2")["metadata"].get("protocols")
        == ["smithy-rpc-v2-cbor", "json"]
    )
    assert create_parser(models().get(json_first)).protocol == "json"
    assert create_parser(models().get("sqs")).protocol == "json"
    assert create_parser(models().get("ec2")).protocol == "ec2"


def test_huge_paths_route_in_linear_time() -> None:
    import time

    parser = parser_for("s3control")
    segments = "/".join(["x"] * 20_000)
    started = time.perf_counter()
    operation, params = parser.parse(HttpRequest(
        "GET", f"/v20180820/mrap/instances/{segments}/policy", headers=Headers({"x-amz-account-id": "1"})))
    assert operation.name == "GetMultiRegionAccessPointPolicy"
    assert params["Name"] == segments
    with pytest.raises(OperationNotFoundError):
        parser.parse(HttpRequest("PATCH", f"/v20180820/mrap/instances/{segments}/policy"))
    assert time.perf_counter() - started < 1.0
