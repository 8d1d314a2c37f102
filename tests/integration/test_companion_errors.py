"""Requests moto would mishandle get the AWS answer, through a real gateway.

Each case used to reach moto and fail inside it (a ``KeyError``, a ``TypeError``,
a ``ValueError``), which the bridge then dressed up as some plausible 4xx. Now an
unexpected failure is a 500 (tests/unit/test_companion_errors.py), so each of
these must be answered for what it is: the client's mistake, checked before moto
runs (``providers/companions/checks``), or recognised precisely.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

import pytest
import requests
from botocore.exceptions import ClientError


def error_of(call: Callable[..., Any], **params: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return {"status": response["ResponseMetadata"]["HTTPStatusCode"], **response["Error"]}


@pytest.fixture(scope="module", autouse=True)
def fresh_state(gateway_url: str):
    requests.post(gateway_url + "/_gateway/reset", timeout=30)
    yield
    requests.post(gateway_url + "/_gateway/reset", timeout=30)


def test_a_bucket_policy_that_is_no_json_is_refused_and_the_bucket_keeps_working(aws_client) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="policy-bucket")
    error = error_of(s3.put_bucket_policy, Bucket="policy-bucket", Policy="not json")
    assert (error["status"], error["Code"]) == (400, "MalformedPolicy")
    assert error["Message"] == "Policies must be valid JSON and the first byte must be '{'"
    s3.put_object(Bucket="policy-bucket", Key="k", Body=b"v")  # moto kept no broken policy
    assert s3.get_object(Bucket="policy-bucket", Key="k")["Body"].read() == b"v"


def test_negative_max_keys(aws_client) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="keys-bucket")
    s3.put_object(Bucket="keys-bucket", Key="a", Body=b"")
    error = error_of(s3.list_objects, Bucket="keys-bucket", MaxKeys=-1)
    assert (error["status"], error["Code"]) == (400, "InvalidArgument")
    assert error["Message"] == "Argument maxKeys must be an integer between 0 and 2147483647"
    assert s3.list_objects_v2(Bucket="keys-bucket", MaxKeys=0)["KeyCount"] == 0


def test_sns_topic_arn_and_tokens(aws_client) -> None:
    sns = aws_client("sns")
    error = error_of(sns.subscribe, TopicArn="not-an-arn", Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q")
    assert (error["status"], error["Code"], error["Message"]) == (400, "InvalidParameter", "Invalid parameter: TopicArn")
    error = error_of(sns.list_topics, NextToken="garbage")
    assert (error["status"], error["Code"]) == (400, "InvalidParameter")
    # A delete of nothing succeeds, as SNS deletes do.
    sns.delete_platform_application(PlatformApplicationArn="arn:aws:sns:us-east-1:000000000000:app/GCM/none")


def test_kinesis_consumers_of_a_stream_that_does_not_exist(aws_client) -> None:
    kinesis = aws_client("kinesis")
    arn = "arn:aws:kinesis:us-east-1:000000000000:stream/nowhere"
    for call, params in [
        (kinesis.list_stream_consumers, {"StreamARN": arn}),
        (kinesis.register_stream_consumer, {"StreamARN": arn, "ConsumerName": "c"}),
    ]:
        error = error_of(call, **params)
        assert (error["status"], error["Code"]) == (400, "ResourceNotFoundException")
        assert error["Message"] == "Stream nowhere under account 000000000000 not found."
    error = error_of(kinesis.get_records, ShardIterator="bm90LWFuLWl0ZXJhdG9y")
    assert (error["Code"], error["Message"]) == ("InvalidArgumentException", "Invalid ShardIterator.")


def test_dynamodb(aws_client) -> None:
    dynamodb = aws_client("dynamodb")
    error = error_of(dynamodb.create_table, TableName="t", BillingMode="PAY_PER_REQUEST")
    assert (error["status"], error["Code"]) == (400, "ValidationException")
    assert error["Message"] == (
        "2 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: "
        "Member must not be null; Value null at 'keySchema' failed to satisfy constraint: Member must not be null"
    )
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/export/01234567890123-abcdefgh"
    error = error_of(dynamodb.describe_export, ExportArn=arn)
    assert (error["status"], error["Code"], error["Message"]) == (400, "ExportNotFoundException", f"Export not found: {arn}")
    error = error_of(dynamodb.transact_write_items, TransactItems=[{}])
    assert (error["Code"], error["Message"]) == (
        "ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete"
    )
    error = error_of(dynamodb.execute_statement, Statement="not a statement")
    assert (error["Code"], error["Message"]) == ("ValidationException", "Statement wasn't well formed, can't be processed")


def test_sqs_read_only_and_numeric_attributes(aws_client) -> None:
    sqs = aws_client("sqs")
    error = error_of(sqs.create_queue, QueueName="q1", Attributes={"ApproximateNumberOfMessagesDelayed": "1"})
    assert (error["status"], error["Code"]) == (400, "InvalidAttributeName")
    assert error["Message"] == "Unknown Attribute ApproximateNumberOfMessagesDelayed."
    error = error_of(sqs.create_queue, QueueName="q1", Attributes={"DelaySeconds": "soon"})
    assert (error["Code"], error["Message"]) == ("InvalidAttributeValue", "Invalid value for the parameter DelaySeconds.")


def test_logs_events_iam_sts(aws_client) -> None:
    error = error_of(aws_client("logs").get_query_results, queryId="no-such-query")
    assert (error["status"], error["Code"]) == (400, "ResourceNotFoundException")
    error = error_of(aws_client("logs").describe_destinations, nextToken="garbage")
    assert (error["Code"], error["Message"]) == ("InvalidParameterException", "The specified nextToken is invalid.")
    error = error_of(aws_client("events").describe_event_source, Name="aws.partner/example.com/123/none")
    assert (error["Code"], error["Message"]) == (
        "ResourceNotFoundException", "Event source aws.partner/example.com/123/none does not exist."
    )
    error = error_of(aws_client("iam").list_roles, Marker="garbage")
    assert (error["status"], error["Code"]) == (400, "ValidationError")
    saml = base64.b64encode(b"\xec\x00 not xml").decode()
    error = error_of(
        aws_client("sts").assume_role_with_saml,
        RoleArn="arn:aws:iam::000000000000:role/r", PrincipalArn="arn:aws:iam::000000000000:saml-provider/p",
        SAMLAssertion=saml,
    )
    assert (error["status"], error["Code"]) == (400, "InvalidIdentityToken")


def test_ec2_security_group_requests_moto_would_fail_on(aws_client) -> None:
    # What the companion fuzz found moto failing on (500), answered as EC2 answers (providers/companions/checks/ec2.py).
    ec2 = aws_client("ec2")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="elsewhere", Description="d", VpcId=other_vpc)
    # By name, a group is looked for in the default VPC only (moto found it elsewhere, then failed removing it).
    error = error_of(ec2.delete_security_group, GroupName="elsewhere")
    assert error == {"status": 400, "Code": "InvalidGroup.NotFound",
                     "Message": f"The security group 'elsewhere' does not exist in default VPC '{default_vpc}'"}
    ec2.create_security_group(GroupName="at-home", Description="d")
    ec2.delete_security_group(GroupName="at-home")
    # A TagSpecification for another resource type, or a tag without a key (moto read every tag's Key).
    error = error_of(ec2.create_security_group, GroupName="tagged", Description="d",
                     TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert error == {"status": 400, "Code": "InvalidParameterValue",
                     "Message": "'vpc' is not a valid taggable resource type for this operation."}
    error = error_of(ec2.create_security_group, GroupName="tagged", Description="d",
                     TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Value": "v"}]}])
    assert error == {"status": 400, "Code": "InvalidParameterValue",
                     "Message": "Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty."}
    created = ec2.create_security_group(GroupName="tagged", Description="d",
                                        TagSpecifications=[{"ResourceType": "security-group",
                                                            "Tags": [{"Key": "k", "Value": "v"}, {"Key": "bare"}]}])
    # A tag without a Value gets the empty value (Tag.Value is optional; moto read it unguarded).
    (group,) = ec2.describe_security_groups(GroupIds=[created["GroupId"]])["SecurityGroups"]
    assert sorted((tag["Key"], tag["Value"]) for tag in group["Tags"]) == [("bare", ""), ("k", "v")]
    # A filter name the operation does not document (moto looked it up unguarded); documented ones still work.
    for call in (ec2.describe_security_groups, ec2.describe_security_group_rules, ec2.describe_vpcs,
                 ec2.describe_subnets):
        error = error_of(call, Filters=[{"Name": "{}", "Values": ["x"]}])
        assert error == {"status": 400, "Code": "InvalidParameterValue", "Message": "The filter '{}' is invalid"}
    # A name the documentation offers instead of another ("You can also use cidrBlock") is a filter too.
    assert ec2.describe_subnets(Filters=[{"Name": "cidrBlock", "Values": ["10.99.0.0/24"]}])["Subnets"] == []
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [created["GroupId"]]}])
    assert rules["SecurityGroupRules"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:k", "Values": ["v"]}])["SecurityGroups"]
    assert [group["GroupId"] for group in groups] == [created["GroupId"]]
