"""The Lambda backend's domain exceptions.

Each names a situation, not an HTTP answer: ``message`` is AWS's wording for it
(so a poller's log line reads like AWS's error), and the API edge
(``providers/lambda_/api/errors.py``) adds the error code, status and extra
members AWS answers with. Nothing here imports the rest of the provider, so any
module may raise them.
"""

from __future__ import annotations

from typing import Optional

from ..not_found import not_found_message

# The generic FunctionName pattern AWS prints when a name does not parse (the
# API edge substitutes the pattern of the operation being served).
FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?"
    r"(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
MAPPING_NOT_FOUND = not_found_message("event-source-mapping")  # specs/errors/lambda-not-found.json


class LambdaError(Exception):
    """Base of the backend's domain exceptions; ``message`` is AWS's wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Resolving a function ---------------------------------------------------------------------
class InvalidFunctionName(LambdaError):
    """A FunctionName that is neither a name, a partial ARN nor a full ARN."""

    def __init__(self, function_name: str, pattern: Optional[str] = None) -> None:
        self.function_name = function_name
        self.pattern = pattern or FUNCTION_NAME_PATTERN
        super().__init__(
            f"1 validation error detected: Value '{function_name}' at 'functionName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {self.pattern}"
        )


class FunctionNotReachable(LambdaError):
    """A function ARN of another region."""

    def __init__(self, function_region: str, region: str) -> None:
        super().__init__(f"Functions from '{function_region}' are not reachable in this region ('{region}')")


class QualifierMismatch(LambdaError):
    """The qualifier in the FunctionName and the Qualifier parameter differ."""

    def __init__(self) -> None:
        super().__init__("The derived qualifier from the function name does not match the specified qualifier.")


class AccessDenied(LambdaError):
    """Another account's function whose resource-based policy does not let the caller act."""

    def __init__(self, account_id: str, action: str, resource: str) -> None:
        self.account_id, self.action, self.resource = account_id, action, resource
        super().__init__(
            f"User: arn:aws:iam::{account_id}:root is not authorized to perform: lambda:{action} on resource: "
            f"{resource} because no resource-based policy allows the lambda:{action} action"
        )


class FunctionNotFound(LambdaError):
    """No such function; ``arn`` is qualified (``:$LATEST`` when no qualifier was given)."""

    def __init__(self, arn: str) -> None:
        self.arn = arn
        super().__init__(f"Function not found: {arn}")


class QualifierNotFound(FunctionNotFound):
    """The function exists, the version or alias named does not."""


# Invoking ------------------------------------------------------------------------------------
class UnqualifiedDurableInvoke(LambdaError):
    """A durable function invoked by its unqualified name or ARN: AWS requires a version,
    an alias or an explicit ``$LATEST`` (Invoking durable Lambda functions, "Qualified ARNs
    requirement"; the service's words as quoted in serverless/serverless#13589)."""

    def __init__(self) -> None:
        super().__init__("You cannot invoke a durable function using an unqualified ARN.")


class FunctionNotActive(LambdaError):
    """The version is Pending, Inactive or Failed (``state``)."""

    def __init__(self, state: Optional[str]) -> None:
        self.state = state
        super().__init__(
            f"The operation cannot be performed at this time. The function is currently in the following state: {state}"
        )


class TooManyRequests(LambdaError):
    """Throttled: the function's reserved concurrency or the account's unreserved
    concurrency is in use (``reason``: AWS's ``Reason`` member). Retry later."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__("Rate Exceeded.")


class PayloadTooLarge(LambdaError):
    """A payload over the invocation type's limit (6 MB synchronous, 1 MB ``Event``),
    in AWS's words for each: an ``Event`` payload names its size ("1525970 byte
    payload is too large for the Event invocation type (limit 1048576 bytes)", as
    AWS answers since the 1 MB asynchronous limit)."""

    def __init__(self, limit: int, size: int = 0, invocation_type: str = "RequestResponse") -> None:
        self.limit = limit
        if invocation_type == "Event":
            message = f"{size} byte payload is too large for the Event invocation type (limit {limit} bytes)"
        else:
            message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        super().__init__(message)


class InternalFailure(LambdaError):
    """The service failed (not the caller, not the function): e.g. the execution
    role's credentials could not be issued."""


# Event source mappings --------------------------------------------------------------------------
class MappingNotFound(LambdaError):
    def __init__(self) -> None:
        super().__init__(MAPPING_NOT_FOUND)


class InvalidMapping(LambdaError):
    """A mapping configuration AWS rejects (parameters, filter patterns, the function)."""


class SourceNotFound(LambdaError):
    """The event source (queue, stream) does not exist, or not where Lambda can read it."""


class MappingExists(LambdaError):
    """A live mapping already joins this event source and function."""

    def __init__(self, message: str, uuid: str) -> None:
        self.uuid = uuid
        super().__init__(message)
