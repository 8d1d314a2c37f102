"""What an exception that escaped moto means for the client.

moto answers the AWS errors it anticipated itself: its ``RESTError`` family
(werkzeug ``HTTPException``\\s) and its ``ServiceException``\\s become error
responses inside its Flask application. What escapes the application is
therefore, with two exceptions, something nobody anticipated: a ``KeyError``
from a lookup moto did not guard, a ``TypeError`` from a value it cannot use, a
bug of ours in the bridge. Guessing a plausible 4xx for those would make a bug
look like the user's mistake, so they are the service's internal error
(``internal_error``: status 500, the code the service's own model or AWS's
common errors give it), and the provider logs them with their traceback.

The two exceptions that keep their client meaning (``aws_error``):

- a moto ``ServiceException`` or ``HTTPException`` raised outside the code
  path that serializes it: moto meant it as an AWS error, so it is one;
- what the bridge positively recognises: a provider's ``classify`` (e.g. S3's
  readers of a configuration document failing on a document that does not
  follow the schema, DynamoDB's expression parsers refusing an expression) and
  ``checks.recognise`` (a moto lookup failing on exactly the client's value).

Bad input that moto would trip over is answered before moto runs (``precheck``,
``checks`` and the providers' ``check_params``), as AWS answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from gateway.errors import ServiceError

if TYPE_CHECKING:
    from botocore.model import ServiceModel

#: AWS's "request processing has failed because of an unknown error, exception
#: or failure" (the Common Errors page of the query and JSON services).
_COMMON_INTERNAL = ("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")

#: Services whose model declares a server-side fault of their own, as each
#: documents it (code, message: the API reference's description of the error);
#: the others answer AWS's common ``InternalFailure``.
INTERNAL_ERRORS: dict[str, tuple[str, str]] = {
    "s3": ("InternalError", "We encountered an internal error. Please try again."),
    "dynamodb": ("InternalServerError", "An error occurred on the server side."),
    "dynamodbstreams": ("InternalServerError", "An error occurred on the server side."),
    "logs": ("ServiceUnavailableException", "The service cannot complete the request."),
    "events": ("InternalException", "This exception occurs due to unexpected causes."),
    "sns": ("InternalError", "Indicates an internal service error."),
    "iam": ("ServiceFailure", _COMMON_INTERNAL[1]),
}


def internal_error(service: str) -> ServiceError:
    """The 500 ``service`` answers for a failure of its own."""
    code, message = INTERNAL_ERRORS.get(service, _COMMON_INTERNAL)
    return ServiceError(code, message, 500, sender_fault=False)


def aws_error(error: BaseException, service: "ServiceModel") -> Optional[ServiceError]:
    """The AWS error moto meant ``error`` to be, or None (not one of moto's AWS errors)."""
    from moto.core.exceptions import ServiceException
    from werkzeug.exceptions import HTTPException

    if isinstance(error, ServiceException):
        code = error.code.rsplit("#", 1)[-1]
        return ServiceError(code, error.message, _modelled_status(service, code))
    code = getattr(error, "error_type", None)  # moto's RESTError family
    if isinstance(error, HTTPException) and code and isinstance(error.code, int) and 400 <= error.code < 500:
        return ServiceError(str(code).rsplit("#", 1)[-1], str(getattr(error, "message", "") or ""), error.code)
    return None


def _modelled_status(service: "ServiceModel", code: str) -> int:
    if code in service.shape_names:
        return service.shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400)
    return 400
