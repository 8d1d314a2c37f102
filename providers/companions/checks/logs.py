"""CloudWatch Logs requests moto would mishandle.

- ``DescribeDestinations`` with a ``nextToken`` moto did not issue:
  ``InvalidParameterException`` "The specified nextToken is invalid." (the
  service's wording for its other paginated reads);
- ``GetQueryResults`` of an unknown query: ``ResourceNotFoundException``;
- ``StartQuery`` naming no log group (``logGroupName``, ``logGroupNames`` or
  ``logGroupIdentifiers``) in the Logs Insights language: ``InvalidParameterException``;
  in SQL or PPL the groups may be named in the query, which moto cannot read: a 501;
- ``PutDeliverySource``/``PutDeliveryDestination`` whose resource ARN is no ARN:
  ``ValidationException``; ``PutSubscriptionFilter`` whose ``destinationArn`` is
  none: ``InvalidParameterException``;
- ``PutDeliveryDestination`` without ``deliveryDestinationConfiguration``
  (valid for an ``XRAY`` destination): moto cannot serve it: a 501.

Wording other than the first: best reading (no recording found).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError

from .common import Lookup, is_offset_token, not_implemented

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _next_token(context: "RequestContext", params: dict[str, Any]) -> None:
    if not is_offset_token(params.get("nextToken")):
        raise ServiceError("InvalidParameterException", "The specified nextToken is invalid.", 400)


def _query_groups(context: "RequestContext", params: dict[str, Any]) -> None:
    if any(params.get(member) for member in ("logGroupName", "logGroupNames", "logGroupIdentifiers")):
        return
    if params.get("queryLanguage", "CWLI") != "CWLI":
        raise not_implemented("logs", "StartQuery", "with log groups named only in the query")
    raise ServiceError(
        "InvalidParameterException",
        "One of logGroupName, logGroupNames or logGroupIdentifiers must be specified.",
        400,
    )


def _is_arn(value: Any) -> bool:
    parts = value.split(":", 5) if isinstance(value, str) else []
    return len(parts) == 6 and parts[0] == "arn" and bool(parts[2])


def _source_arn(context: "RequestContext", params: dict[str, Any]) -> None:
    if not _is_arn(params.get("resourceArn")):
        raise ServiceError("ValidationException", "The resourceArn is not a valid ARN.", 400)


def _destination_configuration(context: "RequestContext", params: dict[str, Any]) -> None:
    arn = (params.get("deliveryDestinationConfiguration") or {}).get("destinationResourceArn")
    if not arn:
        raise not_implemented("logs", "PutDeliveryDestination", "without deliveryDestinationConfiguration")
    if not _is_arn(arn):
        raise ServiceError("ValidationException", "The destinationResourceArn is not a valid ARN.", 400)


def _subscription_destination(context: "RequestContext", params: dict[str, Any]) -> None:
    if not _is_arn(params.get("destinationArn")):
        raise ServiceError("InvalidParameterException", "The destinationArn is not a valid ARN.", 400)


BEFORE = {
    "DescribeDestinations": [_next_token],
    "StartQuery": [_query_groups],
    "PutDeliverySource": [_source_arn],
    "PutDeliveryDestination": [_destination_configuration],
    "PutSubscriptionFilter": [_subscription_destination],
}

LOOKUPS = {
    "GetQueryResults": [
        Lookup("get_query_results", "queryId", "ResourceNotFoundException", "The specified query does not exist.")
    ],
}
