"""Identification of service, region and account from real botocore requests."""

from __future__ import annotations

import pytest
from botocore.config import Config as BotoConfig
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest
from gateway.access_keys import AccessKeyAccounts
from gateway.identify import ServiceIndex, account_from_access_key
from gateway.protocol.models import ServiceModels
from tests.support.captured import capture

SERVICES = ["lambda", "s3", "sqs", "sns", "kinesis", "dynamodb", "dynamodbstreams", "logs", "events", "iam", "sts"]


@pytest.fixture(scope="module")
def index() -> ServiceIndex:
    models = ServiceModels()
    return ServiceIndex((name, models.get(name)) for name in SERVICES)


@pytest.mark.parametrize(
    "service, operation, params",
    [
        ("lambda", "list_functions", {}),
        ("lambda", "get_function", {"FunctionName": "f"}),
        ("s3", "list_buckets", {}),
        ("s3", "get_object", {"Bucket": "b", "Key": "k"}),
        ("sqs", "list_queues", {}),
        ("sns", "list_topics", {}),
        ("kinesis", "list_streams", {}),
        ("dynamodb", "list_tables", {}),
        ("dynamodbstreams", "list_streams", {}),
        ("logs", "describe_log_groups", {}),
        ("events", "list_rules", {}),
        ("iam", "list_roles", {}),
        ("sts", "get_caller_identity", {}),
    ],
)
def test_signed_requests_identify_their_service(index, service, operation, params):
    request = capture(service, operation, region="eu-west-1", **params)
    identity = index.identify(request)
    assert identity.service == service
    assert identity.region == "eu-west-1"
    assert identity.account_id == "000000000000"
    assert identity.access_key_id == "test"


def test_twelve_digit_access_key_is_the_account(index):
    request = capture("lambda", "list_functions", access_key="123456789012")
    assert index.identify(request).account_id == "123456789012"
    assert account_from_access_key("AKIAIOSFODNN7EXAMPLE") == "000000000000"
    assert account_from_access_key(None) == "000000000000"


def test_a_key_a_provider_issued_acts_in_the_issuing_account():
    issued = {"ASIAISSUEDBYSTS00001": "111111111111"}
    asked: list[str] = []

    def issuer(key: str):
        asked.append(key)
        return issued.get(key)

    accounts = AccessKeyAccounts(cache_size=2)
    index = ServiceIndex([("sts", ServiceModels().get("sts"))], accounts)
    signed = capture("sts", "get_caller_identity", access_key="ASIAISSUEDBYSTS00001")
    assert index.identify(signed).account_id == "000000000000"  # nobody claims it yet
    accounts.register(issuer)
    assert index.identify(signed).account_id == "111111111111"
    assert index.identify(signed).account_id == "111111111111"
    assert asked == ["ASIAISSUEDBYSTS00001"]  # answered from the cache the second time
    # Keys nobody issued stay in the default account; 12 digits are still the account, unasked.
    assert accounts.account_of("ASIANOBODYISSUEDTHIS") == "000000000000"
    assert accounts.account_of("222222222222") == "222222222222"
    assert accounts.account_of("A" * 129) == "000000000000"  # longer than any access key: not asked
    assert asked == ["ASIAISSUEDBYSTS00001", "ASIANOBODYISSUEDTHIS"]
    # The cache is bounded (two keys here: the oldest answer goes first); a reset forgets every answer.
    accounts.account_of("test")
    assert accounts.account_of("ASIAISSUEDBYSTS00001") == "111111111111"
    assert asked.count("ASIAISSUEDBYSTS00001") == 2
    accounts.forget()
    issued.clear()
    assert accounts.account_of("ASIAISSUEDBYSTS00001") == "000000000000"


def test_virtual_host_s3_names_the_bucket(index):
    request = capture(
        "s3",
        "get_object",
        endpoint_url="http://s3.localhost.localstack.cloud:4566",
        client_config=BotoConfig(s3={"addressing_style": "virtual"}),
        Bucket="my-bucket",
        Key="a/b.txt",
    )
    assert request.headers["Host"].startswith("my-bucket.s3.localhost.localstack.cloud")
    identity = index.identify(request)
    assert identity.service == "s3"
    assert identity.bucket_from_host == "my-bucket"


def test_presigned_url_identifies_s3_and_region(index):
    import boto3

    client = boto3.client(
        "s3", endpoint_url="http://localhost:4566", region_name="eu-central-1",
        aws_access_key_id="123456789012", aws_secret_access_key="x",
        config=BotoConfig(signature_version="s3v4"),
    )
    url = client.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    path, _, query = url.split("localhost:4566", 1)[1].partition("?")
    request = HttpRequest("GET", path, query, Headers({"Host": "localhost:4566"}))
    identity = index.identify(request)
    assert (identity.service, identity.region, identity.account_id) == ("s3", "eu-central-1", "123456789012")


def test_target_header_separates_services_sharing_a_signing_name(index):
    streams = capture("dynamodbstreams", "list_streams")
    tables = capture("dynamodb", "list_tables")
    assert streams.headers["Authorization"].split("/")[3] == "dynamodb"  # same signing name
    assert index.identify(streams).service == "dynamodbstreams"
    assert index.identify(tables).service == "dynamodb"


def test_unsigned_requests_fall_back_to_action_path_and_host(index):
    action = HttpRequest("GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", Headers({"Host": "localhost"}))
    assert index.identify(action).service == "sts"
    lambda_path = HttpRequest("GET", "/2015-03-31/functions", "", Headers({"Host": "localhost"}))
    assert index.identify(lambda_path).service == "lambda"
    host = HttpRequest("GET", "/", "", Headers({"Host": "sqs.eu-west-2.localhost.localstack.cloud:4566"}))
    identity = index.identify(host)
    assert (identity.service, identity.region) == ("sqs", "eu-west-2")
    plain = HttpRequest("GET", "/some-bucket/key", "", Headers({"Host": "localhost:4566"}))
    assert index.identify(plain).service == "s3"


def test_request_signed_for_an_unserved_service_is_unknown():
    models = ServiceModels()
    index = ServiceIndex([("lambda", models.get("lambda"))])
    request = capture("sqs", "list_queues")
    assert index.identify(request).service is None


# -- query-protocol requests without SigV4: Action decides ------------------------------------


def _get(query: str, host: str = "localhost:4566", path: str = "/") -> HttpRequest:
    return HttpRequest("GET", path, query, Headers({"Host": host}))


def _form(body: str, host: str = "localhost:4566", path: str = "/") -> HttpRequest:
    headers = Headers({"Host": host, "Content-Type": "application/x-www-form-urlencoded"})
    return HttpRequest("POST", path, "", headers, body.encode())


def test_unsigned_sqs_query_requests_are_sqs_not_s3(index):
    # SQS's model is JSON (awsQueryCompatible): its actions still name it in a query request.
    assert index.identify(_get("Action=ListQueues")).service == "sqs"
    assert index.identify(_form("Action=ListQueues&Version=2012-11-05")).service == "sqs"
    assert index.identify(_get("Action=CreateQueue&QueueName=q")).service == "sqs"
    identity = index.identify(_get("Action=CreateQueue&QueueName=hq", host="sqs.eu-west-1.localhost.localstack.cloud"))
    assert (identity.service, identity.region) == ("sqs", "eu-west-1")
    # Without an Action a bare GET / is still S3's ListBuckets.
    assert index.identify(_get("")).service == "s3"


def test_sigv2_query_authentication_routes_by_action(index):
    sigv2 = "AWSAccessKeyId=123456789012&SignatureVersion=2&SignatureMethod=HmacSHA256&Signature=x"
    for action, service in [("GetCallerIdentity", "sts"), ("ListQueues", "sqs"), ("ListTopics", "sns")]:
        identity = index.identify(_get(f"Action={action}&Version=2011-06-15&{sigv2}"))
        assert (identity.service, identity.account_id, identity.signing_name) == (service, "123456789012", None)
    # S3's SigV2 presigned URLs carry no Action.
    presigned = index.identify(_get("AWSAccessKeyId=123456789012&Expires=1700000000&Signature=x", path="/b/k"))
    assert (presigned.service, presigned.account_id, presigned.signing_name) == ("s3", "123456789012", "s3")


@pytest.mark.parametrize(
    "request_, service",
    [
        (_get("Action=AddPermission&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Label=l"), "sns"),
        (_get("Action=AddPermission&QueueUrl=http%3A%2F%2Flocalhost%2F000000000000%2Fq&Label=l"), "sqs"),
        (_get("Action=RemovePermission&Label=l", path="/000000000000/q"), "sqs"),  # sent to the queue URL
        (_form("Action=RemovePermission&Label=l&TopicArn=t"), "sns"),
        (_get("Action=AddPermission"), "sns"),  # nothing tells: the native query service
    ],
    ids=["sns-topic", "sqs-queue-url", "sqs-queue-path", "sns-form", "ambiguous"],
)
def test_actions_several_services_share_go_by_their_subject(index, request_, service):
    assert index.identify(request_).service == service


def test_query_compatible_actions_only_for_served_services():
    models = ServiceModels()
    index = ServiceIndex((name, models.get(name)) for name in ["s3", "sts"])
    assert index.identify(_get("Action=ListQueues")).service == "s3"  # the catch-all: no SQS here
    assert index.identify(_get("Action=GetCallerIdentity")).service == "sts"
