"""Poller plugins: entry point group ``gateway.lambda.event_sources``.

An entry point named after a *source* (``sqs``, ``kinesis``,
``dynamodb-streams``, ``kafka`` (Amazon MSK), ``self-managed-kafka``, ``mq``,
``documentdb``: ``kinds.SOURCES``) is the poller the gateway uses for mappings
of that source. Another package may offer an alternative named
``<source>:<variant>``; ``LAMBDA_EVENT_SOURCE_POLLER_<SOURCE>=<variant>``
(``SOURCE`` upper-cased, ``-`` as ``_``) picks it, ``default`` the bare one.
A source without any poller is stored and moves through its states, but
nothing reads it (one log line per mapping says so).

The value of an entry point is a callable ``(backend, mapping, clients) ->
Poller`` (a ``Poller`` subclass, ``event_sources/poller.py``). It is imported
when a mapping first needs it, on the poller's own thread.

Kept light: ``config_check`` imports it at every gateway start.
"""

from __future__ import annotations

import re
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Callable, Optional

from gateway.config import Config, ConfigError

from .kinds import SOURCES

GROUP = "gateway.lambda.event_sources"
DEFAULT = "default"
POLLER_VARIABLE = "LAMBDA_EVENT_SOURCE_POLLER_"
ENDPOINT_VARIABLE = "LAMBDA_EVENT_SOURCE_ENDPOINT_"
_URL = re.compile(r"^https?://[^/\s?#]+/?$")

PollerFactory = Callable[..., Any]


def variable(source: str) -> str:
    """``dynamodb-streams`` -> ``LAMBDA_EVENT_SOURCE_POLLER_DYNAMODB_STREAMS``."""
    return POLLER_VARIABLE + source.upper().replace("-", "_")


def endpoint_variable(service: str) -> str:
    """The botocore service name's endpoint variable: ``LAMBDA_EVENT_SOURCE_ENDPOINT_DYNAMODBSTREAMS``."""
    return ENDPOINT_VARIABLE + service.upper().replace("-", "_")


def discover() -> dict[str, dict[str, EntryPoint]]:
    """source -> variant (``default`` for the bare name) -> entry point."""
    found: dict[str, dict[str, EntryPoint]] = {}
    for ep in entry_points(group=GROUP):
        source, _, variant = ep.name.partition(":")
        found.setdefault(source.strip(), {}).setdefault(variant.strip() or DEFAULT, ep)
    return found


def _chosen(config: Config, available: dict[str, dict[str, EntryPoint]]) -> dict[str, EntryPoint]:
    """The entry point each source uses; ConfigError for a selection that names
    no installed poller (listing those that are)."""
    sources = set(SOURCES.values()) | set(available)
    by_variable = {variable(source): source for source in sources}
    for name, value in config.env.items():
        if name.startswith(POLLER_VARIABLE) and value.strip() and name not in by_variable:
            raise ConfigError(
                f"{name} names no event source; known sources: "
                + ", ".join(variable(source) for source in sorted(sources))
            )
    chosen: dict[str, EntryPoint] = {}
    for source in sorted(sources):
        variants = available.get(source, {})
        wanted = config.string(variable(source)).strip()
        if wanted:
            if wanted not in variants:
                listed = ", ".join(sorted(variants)) or "none installed"
                raise ConfigError(f"{variable(source)}={wanted!r} is not a poller of {source!r}; available: {listed}")
            chosen[source] = variants[wanted]
        elif DEFAULT in variants:
            chosen[source] = variants[DEFAULT]
    return chosen


def check_config(config: Config) -> None:
    """Start-up check (``config_check``): poller selections and endpoint URLs."""
    _chosen(config, discover())
    for name, value in config.env.items():
        if name.startswith(ENDPOINT_VARIABLE) and value.strip() and not _URL.match(value.strip()):
            raise ConfigError(f"{name}={value.strip()!r} is not an endpoint URL (http://host:port or https://host)")


class PollerPlugins:
    """The poller chosen for each source, loaded on first use."""

    def __init__(self, config: Config) -> None:
        self._chosen = _chosen(config, discover())
        self._loaded: dict[str, PollerFactory] = {}
        self._lock = threading.Lock()

    def name(self, source: str) -> Optional[str]:
        """The chosen entry point's name (``sqs``, ``sqs:toy``), or None: no poller."""
        ep = self._chosen.get(source)
        return ep.name if ep is not None else None

    def load(self, source: str) -> PollerFactory:
        """The poller factory for ``source`` (imports the plugin; raises what the import raises)."""
        with self._lock:
            factory = self._loaded.get(source)
            if factory is None:
                factory = self._loaded[source] = self._chosen[source].load()
        return factory
