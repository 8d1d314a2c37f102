"""The request log: one line per request, colour only on a TTY and never with NO_COLOR."""

from __future__ import annotations

import io
import logging

from gateway.config import Config
from gateway.logs import setup_logging


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _log_warning(config: Config, stream: io.StringIO) -> str:
    setup_logging(config, stream)
    try:
        logging.getLogger("gateway.test").warning("careful")
        return stream.getvalue()
    finally:
        logging.getLogger().handlers[:] = []


def test_colour_on_a_terminal():
    assert "\033[33m" in _log_warning(Config.from_env({}), _Terminal())


def test_no_colour_with_no_color_or_without_a_terminal():
    assert "\033[" not in _log_warning(Config.from_env({"NO_COLOR": "1"}), _Terminal())
    assert "\033[" not in _log_warning(Config.from_env({}), io.StringIO())


def test_debug_level_only_with_debug():
    stream = io.StringIO()
    setup_logging(Config.from_env({"DEBUG": "1"}), stream)
    try:
        assert logging.getLogger().level == logging.DEBUG
    finally:
        logging.getLogger().handlers[:] = []
    setup_logging(Config.from_env({}), io.StringIO())
    try:
        assert logging.getLogger().level == logging.INFO
    finally:
        logging.getLogger().handlers[:] = []
