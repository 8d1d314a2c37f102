"""Which Kafka brokers the companion Amazon MSK clusters stand for.

An MSK cluster made with ``CreateCluster`` / ``CreateClusterV2`` is a record
only (moto's ``kafka`` backend): no broker runs for it. The user runs a
Kafka-compatible broker and says where it is:

- ``MSK_BOOTSTRAP_BROKERS``: the brokers of every cluster (comma-separated
  ``host:port``), default ``127.0.0.1:9092``;
- ``MSK_CLUSTER_BOOTSTRAP_BROKERS``: brokers per cluster name, overriding the
  default: ``orders=127.0.0.1:9092;audit=127.0.0.1:9093,127.0.0.1:9094``.

``GetBootstrapBrokers`` answers these addresses (``msk.py``), and the MSK event
source poller reads from them (it asks ``GetBootstrapBrokers``, as Lambda does).

Checked at gateway start-up (entry point group ``gateway.config``); kept light:
it imports nothing of moto.
"""

from __future__ import annotations

import re
from typing import Mapping

from gateway.config import Config, ConfigError

DEFAULT_BROKERS = "127.0.0.1:9092"
BROKERS_VARIABLE = "MSK_BOOTSTRAP_BROKERS"
CLUSTER_BROKERS_VARIABLE = "MSK_CLUSTER_BOOTSTRAP_BROKERS"

ENVIRONMENT: dict[str, tuple[str, str]] = {
    BROKERS_VARIABLE: (
        DEFAULT_BROKERS,
        "Kafka broker(s) every Amazon MSK cluster of the companion `kafka` service stands for (comma-separated "
        "`host:port`): `GetBootstrapBrokers` answers them and MSK event source mappings read from them.",
    ),
    CLUSTER_BROKERS_VARIABLE: (
        "",
        "Broker(s) per MSK cluster name, overriding `MSK_BOOTSTRAP_BROKERS`: "
        "`orders=127.0.0.1:9092;audit=127.0.0.1:9093,127.0.0.1:9094`.",
    ),
}

# A host name or IPv4 address (or a bracketed IPv6 one) and a port.
_BROKER = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?):(\d{1,5})$")
# AWS's cluster name pattern (CreateCluster: 1-64 characters).
_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}$")


def parse_brokers(name: str, value: str) -> str:
    """``host:port[,host:port...]`` checked and normalised (no spaces); ConfigError naming ``name``."""
    brokers = [item.strip() for item in value.split(",")]
    if not value.strip() or not all(brokers):
        raise ConfigError(f"{name}={value!r} is not valid; expected host:port[,host:port...], e.g. {DEFAULT_BROKERS}")
    for broker in brokers:
        match = _BROKER.match(broker)
        if match is None or not 0 < int(match.group(3)) <= 65535:
            raise ConfigError(f"{name}: {broker!r} is not a broker address; expected host:port, e.g. {DEFAULT_BROKERS}")
    return ",".join(brokers)


def parse_cluster_brokers(value: str) -> dict[str, str]:
    """``name=brokers;name=brokers`` -> {cluster name: brokers}."""
    mapping: dict[str, str] = {}
    for entry in value.split(";"):
        if not entry.strip():
            continue
        name, sep, brokers = entry.partition("=")
        name = name.strip()
        if not sep or not _CLUSTER_NAME.match(name):
            raise ConfigError(
                f"{CLUSTER_BROKERS_VARIABLE}: {entry.strip()!r} is not valid; expected "
                "<cluster name>=host:port[,host:port...], entries separated by ';'"
            )
        if name in mapping:
            raise ConfigError(f"{CLUSTER_BROKERS_VARIABLE} names cluster {name!r} twice")
        mapping[name] = parse_brokers(f"{CLUSTER_BROKERS_VARIABLE} ({name})", brokers)
    return mapping


class BrokerMap:
    """The configured brokers, by cluster name."""

    def __init__(self, default: str, by_cluster: Mapping[str, str]) -> None:
        self.default = default
        self.by_cluster = dict(by_cluster)

    @classmethod
    def from_config(cls, config: Config) -> "BrokerMap":
        default = parse_brokers(BROKERS_VARIABLE, config.string(BROKERS_VARIABLE, DEFAULT_BROKERS))
        return cls(default, parse_cluster_brokers(config.string(CLUSTER_BROKERS_VARIABLE)))

    def brokers(self, cluster_name: str) -> str:
        return self.by_cluster.get(cluster_name, self.default)


def check(config: Config) -> None:
    BrokerMap.from_config(config)
