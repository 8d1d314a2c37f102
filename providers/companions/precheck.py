"""A companion request checked against the service model before moto sees it.

moto trusts its input: a member of the wrong type, a missing required member or
a value outside the model's constraints reaches its backends, which then fail
with a ``KeyError`` or a ``TypeError`` (a 500) or do something AWS would not.
So every request is first parsed with the gateway's own parser for the service
and validated with the model's constraints, as model-driven providers are:

- a request the parser cannot read answers the protocol's error
  (``SerializationException``, ``InvalidParameterValue``, ...);
- a request that breaks the model's constraints answers AWS's text ("1
  validation error detected: Value '...' at '...' failed to satisfy
  constraint: ...") under the code the service uses for it (below);
- a request the parser cannot route (``OperationNotFoundError``: an SQS query
  request, which carries ``Action=`` and no ``X-Amz-Target`` while SQS's model is
  JSON; an action moto may know and the model not) goes to moto unchanged, and
  so does everything else: parsing is only a check, moto reads the original.

Cost: one more parse of the request plus the validator's compiled checks,
measured in-process on typical requests (median over 400, alternating with the
check switched off): +13 us (STS GetCallerIdentity, SQS GetQueueUrl) to +55 us
(Logs PutLogEvents with ten 100-character events), against 0.4-0.7 ms for moto
itself. S3 is not checked (see ``S3Provider``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from gateway.errors import ServiceError
from gateway.protocol.errors import OperationNotFoundError, ProtocolError
from gateway.protocol.validate import format_message

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from gateway.codec import ServiceCodec
    from gateway.http import HttpRequest

log = logging.getLogger("gateway.companions")

#: The code each service answers a constraint violation with (AWS's own choice:
#: Coral's ValidationException for most JSON services, ``ValidationError`` in
#: IAM's and STS's query protocol, CloudWatch Logs' InvalidParameterException,
#: SNS's InvalidParameter, SQS's InvalidParameterValue / MissingParameter, S3's
#: InvalidArgument).
VALIDATION_CODES = {
    "dynamodb": "ValidationException",
    "dynamodbstreams": "ValidationException",
    "kinesis": "ValidationException",
    "events": "ValidationException",
    "logs": "InvalidParameterException",
    "iam": "ValidationError",
    "sts": "ValidationError",
    "sns": "InvalidParameter",
    "sqs": "InvalidParameterValue",
    "s3": "InvalidArgument",
}
DEFAULT_VALIDATION_CODE = "ValidationException"


def validation_code(service: str) -> str:
    return VALIDATION_CODES.get(service, DEFAULT_VALIDATION_CODE)


class Parsed:
    """What the check learnt: the operation and its params (None: not routed)."""

    __slots__ = ("operation", "params")

    def __init__(self, operation: Optional["OperationModel"] = None, params: Optional[dict] = None) -> None:
        self.operation = operation
        self.params = params


def parse(codec: "ServiceCodec", request: "HttpRequest") -> Parsed:
    """The request's operation and params; raises ``ServiceError`` for a request
    the client got wrong. ``Parsed()`` for one the parser cannot route."""
    try:
        operation, params = codec.parser.parse(request)
    except OperationNotFoundError:
        return Parsed()
    except ProtocolError as error:
        raise codec.parse_error(error) from None
    except Exception:  # noqa: BLE001 - our parser's bug: let moto read the request itself
        log.warning("could not parse a %s request for checking; passing it on", codec.model.service_name, exc_info=True)
        return Parsed()
    return Parsed(operation, params)


def validate(codec: "ServiceCodec", operation: "OperationModel", params: dict[str, Any]) -> None:
    """Raise the service's ``ServiceError`` if ``params`` break the model's constraints."""
    errors = codec.validator.errors(operation, params)
    if not errors:
        return
    service = codec.model.service_name
    if service == "sqs":
        # SQS names the first missing parameter in words of its own.
        shape = operation.input_shape
        missing = [name for name in (shape.required_members if shape else ()) if params.get(name) is None]
        if missing:
            raise ServiceError("MissingParameter", f"The request must contain the parameter {missing[0]}.", 400)
    raise ServiceError(validation_code(service), format_message(errors), 400)
