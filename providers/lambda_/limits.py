"""The account's Lambda quotas and the errors AWS answers when code breaks them.

AWS's defaults ("Lambda quotas" in the developer guide); each can be changed
with a ``LAMBDA_LIMITS_*`` variable, read once when the provider starts (the
provider owns one ``AccountLimits``). ``GetAccountSettings`` reports them, and
code intake enforces them before any work:

- ``CODE_SIZE_ZIPPED``: a ``ZipFile`` in the request (413);
- ``CODE_SIZE_UNZIPPED``: a function's or layer's unzipped size, and a
  function's code plus its layers, unzipped (400);
- ``TOTAL_CODE_SIZE``: every function version's and layer version's package
  in the account and region (``CodeStorageExceededException``);
- ``CREATE_FUNCTION_REQUEST_SIZE``: the whole CreateFunction /
  UpdateFunctionCode request body (413).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.errors import ServiceError

if TYPE_CHECKING:
    from gateway.config import Config

    from .store import LambdaStore


@dataclass(frozen=True)
class AccountLimits:
    """The account's Lambda quotas (AWS's defaults; ``LAMBDA_LIMITS_*`` override)."""

    concurrent_executions: int = 1000
    minimum_unreserved: int = 100
    total_code_size: int = 80_530_636_800
    code_size_unzipped: int = 262_144_000
    code_size_zipped: int = 52_428_800
    create_function_request_size: int = 70_167_211


DEFAULTS = AccountLimits()


def account_limits(config: "Config") -> AccountLimits:
    """Limits from the environment. The unreserved floor defaults to 100, or to the
    whole limit when the account limit is smaller (AWS keeps 10 of 10 unreserved)."""
    concurrent = config.integer("LAMBDA_LIMITS_CONCURRENT_EXECUTIONS", DEFAULTS.concurrent_executions, 1)
    return AccountLimits(
        concurrent_executions=concurrent,
        minimum_unreserved=config.integer(
            "LAMBDA_LIMITS_MINIMUM_UNRESERVED_CONCURRENCY", min(DEFAULTS.minimum_unreserved, concurrent), 0
        ),
        total_code_size=config.integer("LAMBDA_LIMITS_TOTAL_CODE_SIZE", DEFAULTS.total_code_size, 1),
        code_size_unzipped=config.integer("LAMBDA_LIMITS_CODE_SIZE_UNZIPPED", DEFAULTS.code_size_unzipped, 1),
        code_size_zipped=config.integer("LAMBDA_LIMITS_CODE_SIZE_ZIPPED", DEFAULTS.code_size_zipped, 1),
        create_function_request_size=config.integer(
            "LAMBDA_LIMITS_CREATE_FUNCTION_REQUEST_SIZE", DEFAULTS.create_function_request_size, 1
        ),
    )


def code_storage_used(store: "LambdaStore") -> int:
    """Bytes of deployment packages and layer archives: every function version
    ($LATEST and published) and every layer version counts."""
    total = 0
    for function in list(store.functions.values()):
        for version in [function.latest, *list(function.versions.values())]:
            total += int(version.config.get("CodeSize") or version.code.size or 0)
    for layer in list(store.layers.values()):
        for layer_version in list(layer.versions.values()):
            content = layer_version.config.get("Content") or {}
            total += int(content.get("CodeSize") or layer_version.code.size or 0)
    return total


# Errors, as AWS words them ------------------------------------------------------------
def request_too_large(limit: int, operation: str) -> ServiceError:
    return ServiceError(
        "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
        status=413,
    )


def zipped_too_large(limit: int) -> ServiceError:
    return ServiceError("RequestEntityTooLargeException", f"Zipped size must be smaller than {limit} bytes", status=413)


def unzipped_too_large(limit: int) -> ServiceError:
    return ServiceError(
        "InvalidParameterValueException", f"Unzipped size must be smaller than {limit} bytes", status=400, Type="User"
    )


def combined_too_large(limit: int, actual: int) -> ServiceError:
    """A function's code and its layers, unzipped, over the limit (AWS's text, as
    CloudFormation and SDKs relay it: "Function code combined with layers exceeds
    the maximum allowed size of 262144000 bytes. The actual size is 267227776 bytes.")."""
    return ServiceError(
        "InvalidParameterValueException",
        f"Function code combined with layers exceeds the maximum allowed size of {limit} bytes. "
        f"The actual size is {actual} bytes.",
        status=400,
        Type="User",
    )


def code_storage_exceeded() -> ServiceError:
    return ServiceError("CodeStorageExceededException", "Code storage limit exceeded.", status=400, Type="User")


# Checks ---------------------------------------------------------------------------------
def check_request_size(limits: AccountLimits, body_length: int, operation: str) -> None:
    if body_length > limits.create_function_request_size:
        raise request_too_large(limits.create_function_request_size, operation)


def check_combined_size(limits: AccountLimits, function_unzipped: int, layers_unzipped: int) -> None:
    """Function code plus layers, unzipped (the function alone was checked on intake)."""
    total = function_unzipped + layers_unzipped
    if layers_unzipped and total > limits.code_size_unzipped:
        raise combined_too_large(limits.code_size_unzipped, total)


def check_code_storage(limits: AccountLimits, used: int, added: int) -> None:
    if used + added > limits.total_code_size:
        raise code_storage_exceeded()
