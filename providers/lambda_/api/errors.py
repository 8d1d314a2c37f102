"""The API edge: the Lambda backend's domain exceptions as AWS's errors.

Every operation of the provider runs inside :func:`answering_aws_errors` (see
``LambdaProvider.operation_handler``), and the function-URL router calls
:func:`aws_error` itself, so a domain exception raised anywhere below an
operation reaches the client as AWS's code, status and members, with the
exception's own (AWS-worded) message.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from gateway.errors import ServiceError

from ..backend import errors as domain

# Exception class -> (AWS error code, HTTP status, extra members). Looked up along
# the class's MRO, so a subclass answers like its parent unless listed.
_AWS: dict[type, tuple[str, int, dict[str, Any]]] = {
    domain.InvalidFunctionName: ("ValidationException", 400, {}),
    domain.FunctionNotReachable: ("ResourceNotFoundException", 404, {"Type": "User"}),
    domain.QualifierMismatch: ("InvalidParameterValueException", 400, {"Type": "User"}),
    domain.AccessDenied: ("AccessDeniedException", 403, {}),
    domain.FunctionNotFound: ("ResourceNotFoundException", 404, {}),
    domain.FunctionNotActive: ("ResourceConflictException", 409, {}),
    domain.UnqualifiedDurableInvoke: ("InvalidParameterValueException", 400, {"Type": "User"}),
    # AWS answers with this code (x-amzn-ErrorType), not the model's RequestTooLargeException:
    # observed on AWS and asserted by AWS's own Lambda test tool (aws/aws-lambda-dotnet).
    domain.PayloadTooLarge: ("RequestEntityTooLargeException", 413, {}),
    domain.MappingNotFound: ("ResourceNotFoundException", 404, {}),
    domain.InvalidMapping: ("InvalidParameterValueException", 400, {}),
    domain.SourceNotFound: ("InvalidParameterValueException", 400, {}),
    domain.MappingExists: ("ResourceConflictException", 409, {}),
}


def aws_error(error: domain.LambdaError) -> ServiceError:
    """The AWS error a client sees for ``error``."""
    if isinstance(error, domain.TooManyRequests):
        # No Retry-After (retryAfterSeconds): AWS sends none with a concurrency throttle
        # (test_lambda.snapshot.json, TestLambdaConcurrency::test_reserved_concurrency and kin).
        return ServiceError("TooManyRequestsException", error.message, status=429, Reason=error.reason, Type="User")
    for cls in type(error).__mro__:
        if cls in _AWS:
            code, status, members = _AWS[cls]
            return ServiceError(code, error.message, status=status, **members)
    # InternalFailure, and any domain error without an AWS answer of its own.
    return ServiceError("ServiceException", error.message or "An internal error occurred", 500, sender_fault=False)


def answering_aws_errors(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` with domain exceptions turned into AWS errors."""

    @functools.wraps(handler)
    def operation(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except domain.LambdaError as error:
            raise aws_error(error) from None

    return operation
