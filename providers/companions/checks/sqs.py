"""SQS requests moto would mishandle.

Attributes whose value is a number (``DelaySeconds``, ``VisibilityTimeout``,
...) given something else: ``InvalidAttributeValue`` "Invalid value for the
parameter <name>." (SQS's wording for an attribute value it refuses).

The model's ``QueueAttributeName`` enum lists every attribute, the read-only
ones included (``ApproximateNumberOfMessages``, ``QueueArn``, ...). Setting one
(``CreateQueue``, ``SetQueueAttributes``) is ``InvalidAttributeName`` "Unknown
Attribute <name>.", SQS's wording for an attribute it does not take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

if TYPE_CHECKING:
    from gateway.context import RequestContext

READ_ONLY_ATTRIBUTES = frozenset({
    "All",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
})


INTEGER_ATTRIBUTES = frozenset({
    "DelaySeconds",
    "KmsDataKeyReusePeriodSeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
})


def _settable_attributes(context: "RequestContext", params: dict[str, Any]) -> None:
    for name, value in (params.get("Attributes") or {}).items():
        if name in READ_ONLY_ATTRIBUTES:
            raise ServiceError("InvalidAttributeName", f"Unknown Attribute {echo(name)}.", 400)
        if name in INTEGER_ATTRIBUTES and not _is_integer(value):
            raise ServiceError("InvalidAttributeValue", f"Invalid value for the parameter {name}.", 400)


def _is_integer(value: Any) -> bool:
    text = str(value).strip()
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isascii() and digits.isdigit() and len(digits) <= 18


BEFORE = {"CreateQueue": [_settable_attributes], "SetQueueAttributes": [_settable_attributes]}

LOOKUPS: dict[str, list] = {}
