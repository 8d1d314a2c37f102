"""Requests moto would mishandle, answered before (or instead of) moto, as AWS answers them.

The model's constraints are checked for every request (``precheck``). Some
requests that pass them still trip moto: a member the model calls optional but
moto reads unconditionally, a pagination token moto cannot parse, an ARN moto
splits without looking, a lookup it does not guard. AWS answers those with a
client error, so each service module here lists, per operation:

- ``BEFORE``: checks run on the parsed params before moto sees the request; a
  check raises the ``ServiceError`` AWS answers, or ``Answer`` with the result
  AWS gives (an idempotent delete of nothing), or ``not_implemented`` where
  AWS accepts what moto cannot serve;
- ``LOOKUPS``: moto lookups of the client's value that fail with a ``KeyError``
  naming exactly that value: the resource does not exist, and AWS's not-found
  error says so.

Where no recording of AWS's exact wording was found, the text is our best
reading of the service's documentation and its other messages; each module's
docstring says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from gateway.errors import ServiceError

from . import dynamodb, dynamodbstreams, ec2, events, iam, kinesis, logs, sns, sqs, sts
from .common import Answer, Lookup

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.context import RequestContext

__all__ = ["Answer", "before", "recognise"]

_MODULES = {
    "dynamodb": dynamodb,
    "dynamodbstreams": dynamodbstreams,
    "ec2": ec2,
    "events": events,
    "iam": iam,
    "kinesis": kinesis,
    "logs": logs,
    "sns": sns,
    "sqs": sqs,
    "sts": sts,
}


def before(service: str, context: "RequestContext", operation: "OperationModel", params: dict[str, Any]) -> None:
    """Run the service's checks for ``operation`` (raise ``ServiceError`` or ``Answer``)."""
    module = _MODULES.get(service)
    if module is None:
        return
    for check in module.BEFORE.get(operation.name, ()):
        check(context, params)


def recognise(
    service: str, error: BaseException, operation: Optional["OperationModel"], params: Optional[dict[str, Any]]
) -> Optional[ServiceError]:
    """The not-found error a failed moto lookup of the client's value stands for, else None."""
    module = _MODULES.get(service)
    if module is None or operation is None or params is None:
        return None
    lookups: list[Lookup] = module.LOOKUPS.get(operation.name, [])
    for lookup in lookups:
        found = lookup.match(error, params)
        if found is not None:
            return found
    return None
