"""Amazon EC2 as a companion: moto's ``ec2`` backend, for what Lambda needs of it
(the VPCs, subnets and security groups a function's ``VpcConfig`` names; see
``providers/lambda_/vpc.py``). Each region starts with moto's default VPC, its
default subnets (one per availability zone) and the default security group,
as an AWS account does.

moto's EC2 backend is not safe for concurrent writes: requests run one at a time.
``ModifySecurityGroupRules`` entries without their ``SecurityGroupRule`` get EC2's
MissingParameter (moto would fail on them). moto words a missing security group with a Python set (``The security group
'{'sg-1'}' does not exist``): EC2 names the id itself. A ``TagSpecification`` tag
given a ``Key`` and no ``Value`` gets the empty value EC2 gives it (``Tag.Value`` is
optional; moto reads it unguarded). Other requests moto would fail on are answered
in ``checks/ec2.py``.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from gateway.context import RequestContext
from gateway.errors import ServiceError
from gateway.http import HttpRequest, HttpResponse

from .moto_provider import MotoProvider

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.app import Gateway


# moto's InvalidGroup.NotFound message, which formats a set of group ids.
_GROUP_SET = re.compile(rb"The security group '\{([^}<]*)\}' does not exist")


# A TagSpecification tag's Key or Value in a form-encoded query body.
_TAG_MEMBER = re.compile(rb"(?:^|&)(TagSpecification\.\d+\.Tag\.\d+)\.(Key|Value)=")
# Larger bodies are passed on as they are (EC2 query requests are small).
_TAG_VALUES_BODY_LIMIT = 1 << 20


def with_tag_values(request: HttpRequest) -> HttpRequest:
    """``request`` with an empty ``Value`` for each TagSpecification tag that has
    a ``Key`` and no ``Value``, as EC2 stores such a tag."""
    if request.method != "POST" or request.body_length > _TAG_VALUES_BODY_LIMIT:
        return request
    if "x-www-form-urlencoded" not in (request.headers.get("Content-Type") or ""):
        return request
    body = request.body
    if b"TagSpecification." not in body:
        return request
    keyed, valued = set(), set()
    for match in _TAG_MEMBER.finditer(body):
        (keyed if match.group(2) == b"Key" else valued).add(match.group(1))
    missing = sorted(keyed - valued)
    if missing:
        request.body = body + b"".join(b"&" + prefix + b".Value=" for prefix in missing)
    return request


def _group_ids(match: "re.Match[bytes]") -> bytes:
    ids = [part.strip().strip(b"'\"") for part in match.group(1).split(b",")]
    return b"The security group '" + b",".join(ids) + b"' does not exist"


class Ec2Provider(MotoProvider):
    service = moto_service = "ec2"
    backends = ("ec2",)

    def __init__(self, gateway: "Gateway") -> None:
        super().__init__(gateway)
        self._lock = threading.Lock()

    def handle(self, context: RequestContext, request: HttpRequest) -> HttpResponse:
        with self._lock:
            return super().handle(context, with_tag_values(request))

    def check_params(self, context: RequestContext, operation: "OperationModel", params: dict[str, Any]) -> None:
        if operation.name == "ModifySecurityGroupRules":
            for rule in params.get("SecurityGroupRules") or []:
                if "SecurityGroupRule" not in rule:
                    raise ServiceError(
                        "MissingParameter", "The request must contain the parameter SecurityGroupRule", 400
                    )

    def after(self, context: RequestContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status >= 400 and isinstance(response.body, (bytes, bytearray)):
            fixed = _GROUP_SET.sub(_group_ids, bytes(response.body))
            if fixed != response.body:
                response.body = fixed
                if "Content-Length" in response.headers:
                    response.headers["Content-Length"] = str(len(fixed))
        return response
