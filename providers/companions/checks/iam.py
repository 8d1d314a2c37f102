"""IAM requests moto would mishandle.

- a ``Marker`` that is not one moto issued, for the list operations whose moto
  marker is a decimal offset: ``ValidationError`` "Invalid Marker" (IAM's
  validation code; wording: best reading, no recording found);
- ``CreateServiceLinkedRole`` for an ``AWSServiceName`` that is no service
  principal (``<service>.amazonaws.com``): ``InvalidInput`` (the operation's
  modelled error; wording: best reading).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

from .common import is_offset_token

if TYPE_CHECKING:
    from gateway.context import RequestContext

# moto's list operations that page with ``int(Marker)``.
_OFFSET_MARKERS = (
    "ListAttachedGroupPolicies",
    "ListAttachedRolePolicies",
    "ListAttachedUserPolicies",
    "ListEntitiesForPolicy",
    "ListOpenIDConnectProviderTags",
    "ListPolicies",
    "ListPolicyTags",
    "ListRoleTags",
    "ListRoles",
    "ListVirtualMFADevices",
)


def _marker(context: "RequestContext", params: dict[str, Any]) -> None:
    if not is_offset_token(params.get("Marker")):
        raise ServiceError("ValidationError", "Invalid Marker", 400)


def _service_principal(context: "RequestContext", params: dict[str, Any]) -> None:
    name = params.get("AWSServiceName") or ""
    parts = name.split(".")
    if len(parts) < 3 or not all(parts) or not name.endswith(".amazonaws.com"):
        raise ServiceError("InvalidInput", f"Invalid service principal: {echo(name)}", 400)


BEFORE: dict[str, list] = {name: [_marker] for name in _OFFSET_MARKERS}
BEFORE["CreateServiceLinkedRole"] = [_service_principal]

LOOKUPS: dict[str, list] = {}
