"""SNS requests moto would mishandle.

- a ``TopicArn`` that is no ARN: ``InvalidParameter`` "Invalid parameter:
  TopicArn" (AWS's wording for a topic ARN it cannot use);
- a ``NextToken`` moto did not issue (its tokens are offsets):
  ``InvalidParameter`` "Invalid parameter: NextToken" (best reading, same form);
- ``DeletePlatformApplication`` of an application that does not exist: the
  model lists no not-found error for it, and SNS deletes are idempotent
  (``DeleteTopic`` of a missing topic succeeds): success, without moto.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import ServiceError

from .common import Answer, is_offset_token, moto_backend

if TYPE_CHECKING:
    from gateway.context import RequestContext


def _topic_arn(context: "RequestContext", params: dict[str, Any]) -> None:
    arn = params.get("TopicArn")
    if arn is not None and (len(arn.split(":", 5)) < 6 or not arn.startswith("arn:")):
        raise ServiceError("InvalidParameter", "Invalid parameter: TopicArn", 400)


def _next_token(context: "RequestContext", params: dict[str, Any]) -> None:
    if not is_offset_token(params.get("NextToken")):
        raise ServiceError("InvalidParameter", "Invalid parameter: NextToken", 400)


def _application_exists(context: "RequestContext", params: dict[str, Any]) -> None:
    try:
        moto_backend("sns", context).get_application(params.get("PlatformApplicationArn"))
    except Exception:  # noqa: BLE001 - moto's SNSNotFoundError
        raise Answer({}) from None


_TOPIC_OPERATIONS = (
    "AddPermission", "ConfirmSubscription", "DeleteTopic", "GetTopicAttributes", "Publish", "PublishBatch",
    "RemovePermission", "SetTopicAttributes", "Subscribe",
)

BEFORE: dict[str, list] = {name: [_topic_arn] for name in _TOPIC_OPERATIONS}
BEFORE["ListSubscriptionsByTopic"] = [_topic_arn, _next_token]
BEFORE["ListSubscriptions"] = [_next_token]
BEFORE["ListTopics"] = [_next_token]
BEFORE["DeletePlatformApplication"] = [_application_exists]

LOOKUPS: dict[str, list] = {}
