"""Lambda-specific validation of function settings, with AWS's exact errors.

The gateway validates the botocore model's constraints before an operation is
called. What lives here is what AWS Lambda checks beyond (or differently from)
the model: the runtime (``InvalidParameterValueException`` listing the accepted
runtimes, not the model's enum), deprecated runtimes, the limits AWS enforces
for ordinary functions where the model allows more (memory 10240 MB, timeout
900 s, ephemeral storage 10240 MB), the environment's 4 KB limit and reserved
keys, and re-checks of a few model constraints that are cheap and that an
operation depends on (role ARN, handler, architectures) so the provider gives
AWS's answer even without the generic validator.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo

from . import runtimes

ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
HANDLER_PATTERN = r"[^\s]+"
ARCHITECTURES = ("x86_64", "arm64")

MAX_MEMORY = 10240
MIN_MEMORY = 128
MAX_TIMEOUT = 900
MIN_TIMEOUT = 1
MAX_EPHEMERAL = 10240
MIN_EPHEMERAL = 512
MAX_ENVIRONMENT_BYTES = 4096
# AWS repeats the measured environment in its error (recorded for environments
# just over the limit); a hostile one is repeated up to twice the limit.
ECHOED_ENVIRONMENT_CHARACTERS = 2 * MAX_ENVIRONMENT_BYTES
MAX_FUNCTION_NAME = 64

# Environment variables Lambda sets itself; a function may not define them.
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZ_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

_ROLE = re.compile(ROLE_PATTERN)
_HANDLER = re.compile(HANDLER_PATTERN)


def validation_error(value: Any, member: str, constraint: str) -> ServiceError:
    """AWS's "1 validation error detected" ValidationException."""
    return ServiceError(
        "ValidationException",
        f"1 validation error detected: Value '{render(value)}' at '{member}' failed to satisfy constraint: {constraint}",
        status=400,
    )


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400, Type="User")


def render(value: Any) -> str:
    """A value as AWS prints it in validation messages (lists as ``[a, b]``)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


# Single settings -----------------------------------------------------------------
def validate_role(role: Optional[str]) -> None:
    if role is not None and not _ROLE.fullmatch(role):
        raise validation_error(role, "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}")


def validate_runtime(runtime: Optional[str]) -> None:
    if runtime is None or runtimes.accepted(runtime):
        return
    if runtimes.blocked(runtime):
        raise invalid_parameter(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use the new runtime ({runtimes.upgrade_for(runtime)}) while creating "
            "or updating functions."
        )
    raise invalid_parameter(
        f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
        f"{runtimes.enum_value_set()} or be a valid ARN"
    )


def validate_handler(handler: Optional[str]) -> None:
    if handler is None:
        return
    if len(handler) > 128:
        raise validation_error(handler, "handler", "Member must have length less than or equal to 128")
    if not _HANDLER.fullmatch(handler):
        raise validation_error(handler, "handler", f"Member must satisfy regular expression pattern: {HANDLER_PATTERN}")


def validate_architectures(architectures: Optional[list]) -> None:
    if architectures is None:
        return
    if len(architectures) > 1:
        raise validation_error(architectures, "architectures", "Member must have length less than or equal to 1")
    if len(architectures) < 1:
        raise validation_error(architectures, "architectures", "Member must have length greater than or equal to 1")
    if architectures[0] not in ARCHITECTURES:
        raise validation_error(
            architectures,
            "architectures",
            "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
        )


def _range(value: Optional[int], member: str, low: int, high: int) -> None:
    if value is None:
        return
    if value > high:
        raise validation_error(value, member, f"Member must have value less than or equal to {high}")
    if value < low:
        raise validation_error(value, member, f"Member must have value greater than or equal to {low}")


def validate_limits(request: dict) -> None:
    """Memory, timeout and ephemeral storage, at the limits AWS enforces for
    functions (the model allows more for Lambda Managed Instances)."""
    managed = bool(request.get("CapacityProviderConfig"))
    if not managed:
        _range(request.get("MemorySize"), "memorySize", MIN_MEMORY, MAX_MEMORY)
    _range(request.get("Timeout"), "timeout", MIN_TIMEOUT, MAX_TIMEOUT)
    storage = request.get("EphemeralStorage")
    if storage is not None:
        _range(storage.get("Size"), "ephemeralStorage.size", MIN_EPHEMERAL, MAX_EPHEMERAL)


def measured_environment(variables: dict[str, str]) -> str:
    """The string AWS measures against the 4 KB limit, and echoes in the error."""
    return json.dumps(variables, separators=(",", ":"), ensure_ascii=False)


def validate_environment(environment: Optional[dict]) -> None:
    if not environment:
        return
    variables = environment.get("Variables") or {}
    reserved = [key for key in variables if key in RESERVED_ENVIRONMENT_KEYS]
    if reserved:
        raise invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment variables you "
            "have provided contains reserved keys that are currently not supported for modification. Reserved "
            f"keys used in this request: {', '.join(reserved)}"
        )
    measured = measured_environment(variables)
    if len(measured.encode("utf-8")) > MAX_ENVIRONMENT_BYTES:
        raise invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment variables you "
            f"have provided exceeded the 4KB limit. String measured: {echo(measured, ECHOED_ENVIRONMENT_CHARACTERS)}"
        )


def validate_configuration(request: dict) -> None:
    """Every setting CreateFunction and UpdateFunctionConfiguration share."""
    validate_role(request.get("Role"))
    validate_runtime(request.get("Runtime"))
    validate_handler(request.get("Handler"))
    validate_limits(request)
    validate_environment(request.get("Environment"))


LOG_LEVEL_WITH_TEXT = (
    'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the '
    'LogFormat to "JSON" and try again.'
)


def validate_logging_config(given: Optional[dict], current: Optional[dict] = None) -> None:
    """Log levels apply to JSON logs only: a request naming a level while the
    resulting format is Text (given, kept from ``current``, or the default) fails."""
    if not given or ("ApplicationLogLevel" not in given and "SystemLogLevel" not in given):
        return
    log_format = given.get("LogFormat") or (current or {}).get("LogFormat") or "Text"
    if log_format == "Text":
        raise invalid_parameter(LOG_LEVEL_WITH_TEXT)


def validate_zip_package(package_type: str, runtime: Optional[str], handler: Optional[str]) -> None:
    if package_type == "Zip" and (not runtime or not handler):
        raise invalid_parameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")


def describe_destination_config(config: dict[str, Any]) -> str:
    """AWS's rendering of a destination config in its error message, e.g.
    ``DestinationConfig(onSuccess=OnSuccess(destination=arn:...), onFailure=null)``
    (event invoke configs and event source mappings)."""

    def part(name: str) -> str:
        target = config.get(name)
        if target is None:
            return "null"
        return f"{name}(destination={target.get('Destination') or 'null'})"

    return f"DestinationConfig(onSuccess={part('OnSuccess')}, onFailure={part('OnFailure')})"
