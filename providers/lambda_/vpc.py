"""A function's ``VpcConfig`` as AWS keeps it, checked against EC2.

AWS asks EC2 for the subnets (``DescribeSubnets``) and security groups
(``DescribeSecurityGroups``) a ``VpcConfig`` names, refuses the request when
EC2 refuses the lookup, relaying EC2's error code and message in its own
words, and answers the subnets' VPC as ``VpcId``. Here EC2 is the companion
(``providers/companions/ec2.py``), asked through a botocore client aimed at the
gateway itself, as the function's account.

Without the companion EC2 (``SERVICES`` leaves it out) nothing is checked and
``VpcId`` is empty: no VPC is known.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Optional

from gateway.errors import ServiceError

log = logging.getLogger("lambda.vpc")


def ec2_refused(operation: str, code: str, message: str) -> ServiceError:
    """AWS's answer when EC2 refuses a lookup (as AWS relays it, e.g. "Error occurred while
    DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error Message: The
    security group 'sg-...' does not exist")."""
    return ServiceError(
        "InvalidParameterValueException",
        f"Error occurred while {operation}. EC2 Error Code: {code}. EC2 Error Message: {message}",
        status=400,
        Type="User",
    )


def stored(given: dict[str, Any], vpc_id: str) -> dict[str, Any]:
    """``VpcConfig`` in AWS's member order, as responses show it."""
    return {
        "SubnetIds": list(given.get("SubnetIds") or []),
        "SecurityGroupIds": list(given.get("SecurityGroupIds") or []),
        "VpcId": vpc_id,
        "Ipv6AllowedForDualStack": bool(given.get("Ipv6AllowedForDualStack", False)),
    }


class VpcResolver:
    """Checks a ``VpcConfig`` against EC2 and fills in ``VpcId``."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def resolve(self, given: dict[str, Any], account_id: str, region: str, endpoint: Optional[str]) -> dict[str, Any]:
        """The ``VpcConfig`` to store; raises AWS's error when EC2 refuses a subnet or
        security group. ``endpoint``: the gateway's, or None without the companion EC2."""
        subnets = list(given.get("SubnetIds") or [])
        groups = list(given.get("SecurityGroupIds") or [])
        if endpoint is None or not (subnets or groups):
            return stored(given, "")
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client(endpoint, account_id, region)
        vpc_id = ""
        operation = "DescribeSubnets"
        try:
            if subnets:
                found = client.describe_subnets(SubnetIds=subnets)["Subnets"]
                vpc_id = found[0]["VpcId"] if found else ""
            if groups:
                operation = "DescribeSecurityGroups"
                found = client.describe_security_groups(GroupIds=groups)["SecurityGroups"]
                vpc_id = vpc_id or (found[0].get("VpcId", "") if found else "")
        except ClientError as error:
            details = error.response.get("Error", {})
            raise ec2_refused(operation, details.get("Code", ""), details.get("Message", "")) from None
        except (BotoCoreError, ValueError) as error:
            log.warning("could not check VpcConfig with EC2 (%s): %s", operation, error)
        return stored(given, vpc_id)

    def _client(self, endpoint: str, account_id: str, region: str) -> Any:
        key = (endpoint, account_id, region)
        with self._lock:  # boto3 sessions are not safe to create concurrently
            client = self._clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.session.Session().client(
                    "ec2",
                    endpoint_url=endpoint,
                    region_name=region,
                    aws_access_key_id=account_id,
                    aws_secret_access_key="lambda-internal",
                    config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
                )
                self._clients[key] = client
        return client
