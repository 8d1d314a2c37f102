"""The companion services' environment variables: documented for ``--help`` and
the README, and checked at gateway start-up (entry point group ``gateway.config``).

Kept light: it imports nothing of moto."""

from __future__ import annotations

from gateway.config import Config

from .log_retention import RetentionLimits

DEFAULT_LOGS_RETENTION_BYTES = 32 * 1024 * 1024
DEFAULT_LOGS_MAX_EVENTS_PER_STREAM = 10_000

ENVIRONMENT: dict[str, tuple[str, str]] = {
    "LOGS_RETENTION_BYTES": (
        str(DEFAULT_LOGS_RETENTION_BYTES),
        "Memory CloudWatch Logs may keep for log events, all groups together (estimated: message characters + 240 "
        "per event); beyond it the oldest events are removed. 0 = no bound (memory then grows with every line "
        "functions print).",
    ),
    "LOGS_MAX_EVENTS_PER_STREAM": (
        str(DEFAULT_LOGS_MAX_EVENTS_PER_STREAM),
        "Events a CloudWatch Logs stream keeps (its newest); a function's stream is one execution environment. "
        "0 = no bound. A log group's own retentionInDays is honoured as well.",
    ),
}


def retention_limits(config: Config) -> RetentionLimits:
    return RetentionLimits(
        max_bytes=config.integer("LOGS_RETENTION_BYTES", DEFAULT_LOGS_RETENTION_BYTES, 0),
        max_events_per_stream=config.integer("LOGS_MAX_EVENTS_PER_STREAM", DEFAULT_LOGS_MAX_EVENTS_PER_STREAM, 0),
    )


def check(config: Config) -> None:
    retention_limits(config)
