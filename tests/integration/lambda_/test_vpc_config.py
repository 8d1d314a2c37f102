"""A function's VpcConfig checked against the companion EC2 (moto's backend), with boto3.

Facts:
- the stored shape, member order and ``Ipv6AllowedForDualStack: false``: VpcConfig as
  AWS returns it in recorded GetFunction/CreateFunction responses (LocalStack's
  test_lambda_api.snapshot.json keeps VpcConfig out of its recordings; recorded AWS
  responses of functions in a VPC show ``SubnetIds, SecurityGroupIds, VpcId,
  Ipv6AllowedForDualStack``, VpcId the subnets' VPC);
- a missing subnet or security group: AWS relays EC2's refusal as
  ``InvalidParameterValueException`` "Error occurred while DescribeSecurityGroups. EC2
  Error Code: InvalidGroup.NotFound. EC2 Error Message: The security group 'sg-...' does
  not exist" (an AWS response as a user recorded it), and likewise for DescribeSubnets
  with EC2's InvalidSubnetID.NotFound;
- detaching (``VpcConfig: {}``) leaves empty lists and an empty VpcId (as AWS answers
  functions outside a VPC that once had a VpcConfig).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create_function, unique, wait_updated


@pytest.fixture(scope="module")
def network(gateway_url: str) -> dict[str, str]:
    import boto3

    ec2 = boto3.client("ec2", endpoint_url=gateway_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=unique("sg"), Description="lambda", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "group": group}


@pytest.fixture
def client(aws_client: Any) -> Any:
    return aws_client("lambda")


def _error(raised: pytest.ExceptionInfo) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_vpc_config_is_checked_and_filled_in_as_aws_does(client: Any, network: dict) -> None:
    name = create_function(client, VpcConfig={"SubnetIds": [network["subnet"]],
                                               "SecurityGroupIds": [network["group"]]})
    expected = {"SubnetIds": [network["subnet"]], "SecurityGroupIds": [network["group"]],
                "VpcId": network["vpc"], "Ipv6AllowedForDualStack": False}
    config = client.get_function_configuration(FunctionName=name)["VpcConfig"]
    assert config == expected and list(config) == list(expected)
    client.update_function_configuration(FunctionName=name, VpcConfig={})
    wait_updated(client, name)
    assert client.get_function(FunctionName=name)["Configuration"]["VpcConfig"] == {
        "SubnetIds": [], "SecurityGroupIds": [], "VpcId": "", "Ipv6AllowedForDualStack": False}


def test_the_default_vpc_of_a_fresh_account_works(aws_client: Any, gateway_url: str) -> None:
    ec2 = aws_client("ec2", access_key="222222222222")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default]}])["Subnets"][0]["SubnetId"]
    lambda_client = aws_client("lambda", access_key="222222222222")
    name = create_function(lambda_client, VpcConfig={"SubnetIds": [subnet], "Ipv6AllowedForDualStack": True})
    config = lambda_client.get_function_configuration(FunctionName=name)["VpcConfig"]
    assert config == {"SubnetIds": [subnet], "SecurityGroupIds": [], "VpcId": default,
                      "Ipv6AllowedForDualStack": True}


def test_missing_subnet_or_security_group_is_refused_in_aws_words(client: Any, network: dict) -> None:
    with pytest.raises(ClientError) as raised:
        create_function(client, VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"],
                                            "SecurityGroupIds": [network["group"]]})
    assert _error(raised) == (
        "InvalidParameterValueException",
        "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
        "EC2 Error Message: The subnet ID 'subnet-0123456789abcdef0' does not exist",
    )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as raised:
        create_function(client, VpcConfig={"SubnetIds": [network["subnet"]],
                                            "SecurityGroupIds": ["sg-0aa448f79fef56bf6"]})
    assert _error(raised) == (
        "InvalidParameterValueException",
        "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
        "EC2 Error Message: The security group 'sg-0aa448f79fef56bf6' does not exist",
    )
    name = create_function(client)
    with pytest.raises(ClientError) as raised:
        client.update_function_configuration(FunctionName=name, VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"]})
    assert _error(raised)[0] == "InvalidParameterValueException"
    assert "VpcConfig" not in client.get_function_configuration(FunctionName=name)
