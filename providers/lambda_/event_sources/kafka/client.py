"""The Kafka client the pollers use: confluent-kafka (librdkafka), imported on first use.

One consumer per mapping, in the mapping's consumer group, with partitions
*assigned* by the poller rather than by a group rebalance: a group join costs a
broker-side wait (Apache Kafka's ``group.initial.rebalance.delay.ms``, 3 s by
default; the tansu broker holds a new member's JoinGroup for half the session
timeout, at least a second) and a session timeout of at least 6 s
(``group.min.session.timeout.ms``), so a mapping would start, and restart
after every update, seconds late. The group still owns the offsets: the poller
reads the committed offset of each partition and commits there after each
batch (``OffsetCommit`` of a group without members), so a restart -- of the
poller or of the gateway -- resumes where the mapping had got to, and tools
(``kafka-consumer-groups --describe``) see its lag. AWS requires each mapping's
consumer group id to be unique among Kafka event sources, so no two consumers
share a group.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger("lambda.esm.kafka")

INSTALL_HINT = "pip install 'confluent-kafka>=2.5,<3'"


class KafkaUnavailable(RuntimeError):
    """confluent-kafka cannot be imported here."""


def kafka_module() -> Any:
    """``confluent_kafka``, or KafkaUnavailable saying how to install it."""
    try:
        import confluent_kafka
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise KafkaUnavailable(
            f"Kafka event source mappings need the confluent-kafka package, which cannot be imported ({error}); "
            f"install it: {INSTALL_HINT}"
        ) from None
    return confluent_kafka


class _QuietLog:
    """librdkafka's log lines (a broker that refuses connections logs one per
    retry) go to DEBUG; the poller reports the state itself."""

    def log(self, level: int, message: str, *args: Any) -> None:
        log.debug(message, *args)


def consumer_settings(bootstrap_servers: str, group_id: str, client_id: str,
                      on_error: Callable[[Any], None]) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap_servers,
        "group.id": group_id,
        "client.id": client_id,
        "enable.auto.commit": False,  # committed by the poller once a batch reached its outcome
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",  # a committed offset the log no longer holds: its oldest record
        "allow.auto.create.topics": False,
        "enable.partition.eof": False,
        "socket.connection.setup.timeout.ms": 5000,
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 2000,
        "fetch.wait.max.ms": 500,  # the broker holds an empty fetch this long: idle costs little
        "error_cb": on_error,
        "logger": _QuietLog(),
    }

