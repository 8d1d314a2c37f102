"""``DurableConfig`` as AWS stores it, and the time scale of durable timers.

The model's ranges (``ExecutionTimeout`` 1..31,622,400 s, ``RetentionPeriodInDays``
1..90) are checked by the gateway's request validation before this runs.
``RetentionPeriodInDays`` defaults to 14 days (AWS SAM's and CloudFormation's
documented default, which is the service's).
"""

from __future__ import annotations

from typing import Any, Optional

from gateway.config import Config, ConfigError
from gateway.errors import ServiceError

from ..runtimes import DURABLE_RUNTIMES

DEFAULT_RETENTION_DAYS = 14
#: The longest execution AWS runs (one 366-day year), used when none is configured.
MAX_EXECUTION_TIMEOUT = 31_622_400
#: Synchronous invokes wait at most 15 minutes for the execution, as AWS.
SYNC_INVOKE_LIMIT = 900
TIME_SCALE_VARIABLE = "LAMBDA_DURABLE_TIME_SCALE"
UNSUPPORTED_RUNTIME = "You cannot use a managed runtime that does not support a durable configuration"


def stored_durable_config(given: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """What a function keeps of the request's ``DurableConfig`` (None: not durable)."""
    if given is None:
        return None
    config = {key: value for key, value in given.items() if value is not None}
    if not config:
        return None
    config.setdefault("RetentionPeriodInDays", DEFAULT_RETENTION_DAYS)
    return config


def check_durable_config(given: Optional[dict[str, Any]], current: Optional[dict[str, Any]] = None,
                         updating: bool = False, runtime: Optional[str] = None,
                         package_type: Optional[str] = None) -> None:
    """AWS's rules beyond the model's ranges: ``ExecutionTimeout`` is required
    ("ExecutionTimeout – Required", Configure Lambda durable functions), durable
    execution "can only be enabled when creating a function" (same page), and a
    durable function runs on a runtime that supports it (``specs/runtimes/durable.json``)
    or from a container image. ``runtime``/``package_type``: what the function will
    have once the request is applied."""
    if given and updating and not current:
        raise _invalid("Durable execution can only be enabled when creating a function.")
    if (given or current) and (package_type or "Zip") == "Zip" and runtime not in DURABLE_RUNTIMES:
        raise _invalid(UNSUPPORTED_RUNTIME)
    if not given:
        return
    if given.get("ExecutionTimeout") is None and not (current or {}).get("ExecutionTimeout"):
        # The service's words, as AWS's .NET tooling quotes them (aws/aws-lambda-dotnet#2453).
        raise _invalid("You cannot create a function with a durable configuration without an executionTimeout")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400, Type="User")


def is_durable(function_config: dict[str, Any]) -> bool:
    return bool(function_config.get("DurableConfig"))


def time_scale(config: Config) -> float:
    """``LAMBDA_DURABLE_TIME_SCALE``: real seconds per durable second of waits, step
    retry delays and callback (heartbeat) timeouts; the execution timeout stays
    real time (it bounds the function's work, which no scale shortens). 1 = real time (default);
    0.001 = a one-day wait takes 86.4 s; 0 = every timer fires at once."""
    raw = config.string(TIME_SCALE_VARIABLE, "1")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{TIME_SCALE_VARIABLE}={raw!r} is not valid; expected a number >= 0 (1 = real time)")
    return value
