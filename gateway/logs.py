"""Logging set-up and the one-line-per-request log.

``AWS lambda.CreateFunction => 201``; colour only on a TTY and never with
``NO_COLOR``; ``DEBUG=1`` adds timings, region/account and plugin details.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from .config import Config

if TYPE_CHECKING:
    from .context import RequestContext
    from .http import HttpResponse

_COLORS = {"DEBUG": "\033[2m", "INFO": "", "WARNING": "\033[33m", "ERROR": "\033[31m", "CRITICAL": "\033[31;1m"}
_RESET = "\033[0m"


class _Formatter(logging.Formatter):
    def __init__(self, color: bool) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
        self.color = color

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.color and _COLORS.get(record.levelname):
            return f"{_COLORS[record.levelname]}{text}{_RESET}"
        return text


def setup_logging(config: Config, stream=None) -> None:
    stream = stream or sys.stderr
    color = not config.no_color and hasattr(stream, "isatty") and stream.isatty()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter(color))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if config.debug else logging.INFO)
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "moto", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class RequestLogger:
    def __init__(self, config: Config) -> None:
        self.debug = config.debug
        self._logger = logging.getLogger("gateway.request")

    def log(self, context: "RequestContext", response: "HttpResponse", seconds: float) -> None:
        if not self._logger.isEnabledFor(logging.INFO):
            return
        route = context.extras.get("route")
        if route is not None:
            # The gateway's own endpoints only with DEBUG; plugin routes (function URLs, ...) always.
            level = logging.DEBUG if context.extras.get("internal") else logging.INFO
            self._logger.log(level, "%s %s %s => %s", route, context.request.method, context.request.path,
                             response.status)
            return
        operation = context.operation_name
        if operation == "-":
            operation = context.extras.get("operation", "-")
        if self.debug:
            self._logger.info(
                "AWS %s.%s => %s (%.1f ms, %s/%s)",
                context.service or "?",
                operation,
                response.status,
                seconds * 1000,
                context.account_id,
                context.region,
            )
        else:
            self._logger.info("AWS %s.%s => %s", context.service or "?", operation, response.status)
