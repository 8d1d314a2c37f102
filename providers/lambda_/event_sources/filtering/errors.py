"""The one domain error of filtering: a ``FilterCriteria`` Lambda refuses.

AWS words every refused pattern the same way (recorded in LocalStack's
``test_lambda_integration_sqs.snapshot.json``, ``test_sqs_invalid_event_filter``
and ``test_lambda_integration_dynamodbstreams.snapshot.json``,
``test_dynamodb_invalid_event_filter``): ``InvalidParameterValueException``
"Invalid filter pattern definition.". ``reason`` keeps the EventBridge-style
cause for logs and tests; it is never answered.
"""

from __future__ import annotations

INVALID_PATTERN = "Invalid filter pattern definition."
# No recorded AWS response words this quota error: ours says what the limit is.
TOO_MANY_FILTERS = "The number of filters exceeds the limit of {limit} filters for an event source mapping."


class InvalidFilterCriteria(Exception):
    """Raised while compiling; the API edge answers ``InvalidParameterValueException: message``."""

    def __init__(self, message: str = INVALID_PATTERN, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or message


def invalid(reason: str) -> InvalidFilterCriteria:
    return InvalidFilterCriteria(INVALID_PATTERN, reason)
