"""The durable service's refusals, each with AWS's error code and status (the
API edge answers them as ``ServiceError``s)."""

from __future__ import annotations


class DurableError(Exception):
    code = "InvalidParameterValueException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameter(DurableError):
    pass


class NotFound(DurableError):
    code = "ResourceNotFoundException"
    status = 404


class Conflict(DurableError):
    code = "ResourceConflictException"
    status = 409


class CallbackClosed(DurableError):
    """AWS: "The callback ID token has either expired or the callback associated
    with the token has already been closed." (CallbackTimeoutException)."""

    code = "CallbackTimeoutException"
    status = 400


class AlreadyStarted(DurableError):
    code = "DurableExecutionAlreadyStartedException"
    status = 409
