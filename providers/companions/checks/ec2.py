"""EC2 requests (the VPC, subnet and security-group family) moto would mishandle.

AWS's words, each from EC2's answers as users quote them:

- a ``TagSpecification`` whose ``ResourceType`` the operation does not tag:
  ``InvalidParameterValue`` "'<type>' is not a valid taggable resource type for
  this operation." (moto checks this for ``CreateSubnet`` only; elsewhere it
  reads every tag's ``Key`` and fails on a tag without one);
- a tag without a key: ``InvalidParameterValue`` "Value ( '' ) for parameter Tag
  key is invalid. Tag key cannot be null or empty." (EC2's answer to an empty
  key, aws/aws-cli#3283; an absent key is worded the same);
- ``DeleteSecurityGroup`` by ``GroupName`` names a group of the default VPC:
  "The security group '<name>' does not exist in default VPC '<vpc-id>'"
  (``InvalidGroup.NotFound``), or, without a default VPC, ``VPCIdNotSpecified``
  "No default VPC for this user. GroupName is only supported for EC2-Classic and
  default VPC." (moto finds a group of any VPC by name, then fails removing it
  from the default VPC's);
- a filter name the operation does not know: ``InvalidParameterValue`` "The
  filter '<name>' is invalid" (moto fails on the lookup, or calls it not
  implemented). The names known are the ones AWS documents for the operation's
  ``Filters`` in the service model (with the alternative names it offers), and
  ``tag:<key>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

from .common import moto_backend

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.context import RequestContext

#: The resource type each operation's TagSpecification may name.
TAGGABLE_TYPES = {
    "CreateSecurityGroup": "security-group",
    "CreateSubnet": "subnet",
    "CreateVpc": "vpc",
    "AuthorizeSecurityGroupIngress": "security-group-rule",
    "AuthorizeSecurityGroupEgress": "security-group-rule",
}

# The Filters documentation lists one filter per item: its name is the item's first
# <code>, and names the item offers instead ("You can also use <code>cidr</code> or
# <code>cidrBlock</code> as the filter names"). "tag" stands for the tag:<key> form.
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_ITEM_NAME = re.compile(r"^\s*<p>\s*<code>([^<]+)</code>")
_ALSO = re.compile(r"also use (.*?) as the filter name", re.S)
_CODE = re.compile(r"<code>([^<]+)</code>")


def _tag_specifications(context: "RequestContext", params: dict[str, Any], operation: str) -> None:
    allowed = TAGGABLE_TYPES.get(operation)
    for spec in params.get("TagSpecifications") or []:
        resource_type = spec.get("ResourceType")
        if allowed and resource_type is not None and resource_type != allowed:
            raise ServiceError(
                "InvalidParameterValue",
                f"'{echo(resource_type)}' is not a valid taggable resource type for this operation.", 400,
            )
        for tag in spec.get("Tags") or []:
            if not tag.get("Key"):
                raise ServiceError(
                    "InvalidParameterValue",
                    "Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty.", 400,
                )


def _tags_for(operation: str):
    def check(context: "RequestContext", params: dict[str, Any]) -> None:
        _tag_specifications(context, params, operation)

    return check


def _group_name_in_default_vpc(context: "RequestContext", params: dict[str, Any]) -> None:
    name = params.get("GroupName")
    if not name:
        return
    backend = moto_backend("ec2", context)
    default_vpc = backend.get_default_vpc()
    if default_vpc is None:
        raise ServiceError(
            "VPCIdNotSpecified",
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.", 400,
        )
    groups = backend.groups.get(default_vpc.id, {})
    if not any(group.name == name for group in list(groups.values())):
        raise ServiceError(
            "InvalidGroup.NotFound",
            f"The security group '{echo(name)}' does not exist in default VPC '{default_vpc.id}'", 400,
        )


def documented_filters(operation: "OperationModel") -> frozenset:
    """The filter names AWS documents for ``operation``'s ``Filters`` member."""
    member = operation.input_shape.members.get("Filters") if operation.input_shape else None
    if member is None:
        return frozenset()
    names = set()
    for item in _ITEM.findall(member.documentation or ""):
        first = _ITEM_NAME.match(item)
        if first:
            names.add(first.group(1))
        for also in _ALSO.findall(item):
            names.update(_CODE.findall(also))
    names.discard("tag")
    return frozenset(names)


def _known_filters(context: "RequestContext", params: dict[str, Any]) -> None:
    filters = params.get("Filters") or []
    if not filters or context.operation is None:
        return
    known = documented_filters(context.operation)
    for item in filters:
        name = item.get("Name")
        if name is not None and name not in known and not name.startswith("tag:"):
            raise ServiceError("InvalidParameterValue", f"The filter '{echo(name)}' is invalid", 400)


BEFORE = {
    **{operation: [_tags_for(operation)] for operation in (*TAGGABLE_TYPES, "CreateSubnetCidrReservation")},
    "DeleteSecurityGroup": [_group_name_in_default_vpc],
    "DescribeSecurityGroups": [_known_filters],
    "DescribeSecurityGroupRules": [_known_filters],
    "DescribeSubnets": [_known_filters],
    "DescribeVpcs": [_known_filters],
}

LOOKUPS: dict[str, list] = {}
