"""The Kafka pollers: self-managed Apache Kafka (``self-managed-kafka``) and
Amazon MSK (``kafka``), one consumer per mapping (``client.py``).

What a poller does, in a loop until stopped:

1. find the brokers: the mapping's ``SelfManagedEventSource`` endpoints, or,
   for MSK, ``GetBootstrapBrokers`` of the cluster (asked of the ``kafka``
   service, as Lambda does; the companion answers the broker the user
   configured, ``MSK_BOOTSTRAP_BROKERS``);
2. read the topic's partitions and where to start each (``positions.py``),
   and assign them to the mapping's consumer group (``ConsumerGroupId``,
   default the mapping's UUID);
3. gather a batch: up to ``BatchSize`` records, waiting up to
   ``MaximumBatchingWindowInSeconds`` after the first;
4. filter (``FilterCriteria`` on the record, ``value`` decoded and parsed when
   it is JSON), deliver the rest (``delivery.py``), and commit the offsets of
   the whole batch, filtered records included, once every record reached its
   outcome.

What it reports (``LastProcessingResult``): ``No records processed`` once
connected, ``OK`` after a delivered batch, ``PROBLEM: Function call failed``
while a batch fails, AWS's ``PROBLEM: Connection error. ...`` while the brokers
cannot be reached (or the MSK cluster is gone) and ``PROBLEM: Topic not found.``
while the topic does not exist. The mapping stays ``Enabled``: the poller keeps
trying with back-off, and resumes where the group had committed.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import abstractmethod
from typing import Any, Optional, Sequence

from ...backend.mappings import NO_RECORDS_PROCESSED, OK, problem
from ..filtering import FilterSet, view_of
from ..kinds import KAFKA, MSK
from ..poller import Poller, Stopped
from . import failures, positions, records
from .client import KafkaUnavailable, consumer_settings, kafka_module
from .delivery import BatchDelivery

log = logging.getLogger("lambda.esm.kafka")

CONNECTION_ERROR = problem(
    "Connection error. Please check your event source connection configuration. If your event source lives in a "
    "VPC, try setting up a new Lambda function or EC2 instance with the same VPC, Subnet, and Security Group "
    "settings. Connect the new device to the Kafka cluster and consume messages to ensure that the issue is not "
    "related to VPC or Endpoint configuration."
)
TOPIC_NOT_FOUND = problem("Topic not found.")
OUR_PROBLEMS = (CONNECTION_ERROR, TOPIC_NOT_FOUND)

POLL_SECONDS = 0.25  # the longest a stop waits for a read to return
METADATA_TIMEOUT = 3.0
RECHECK_SECONDS = 5.0  # how often the topic's partitions (and the brokers' health) are looked at
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0
# Broker-level errors librdkafka reports through error_cb that mean "cannot reach the cluster".
_CONNECTION_CODES = ("_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_AUTHENTICATION", "_SSL")


class SourceUnavailable(Exception):
    """The brokers cannot be found or reached (an MSK cluster that is gone, a broker that refuses)."""


class _TopicGone(Exception):
    """The topic was deleted while the poller read it."""


class KafkaPoller(Poller):
    """What self-managed Kafka and MSK pollers share; subclasses say where the brokers are."""

    kind = KAFKA
    event_source = records.SELF_MANAGED_SOURCE
    group_config = "SelfManagedKafkaEventSourceConfig"

    def __init__(self, backend: Any, mapping: Any, clients: Any) -> None:
        super().__init__(backend, mapping, clients)
        config = mapping.config
        self.topic = (config.get("Topics") or [""])[0]
        self.group_id = (config.get(self.group_config) or {}).get("ConsumerGroupId") or mapping.uuid
        self.batch_size = int(config.get("BatchSize") or 100)
        self.window = float(config.get("MaximumBatchingWindowInSeconds") or 0)
        self.position = config.get("StartingPosition") or "LATEST"
        self.timestamp = config.get("StartingPositionTimestamp")
        self.filters = FilterSet.compile(config.get("FilterCriteria"), self.kind)
        self.result = config.get("LastProcessingResult")
        self._last_good = self.result if self.result in (OK, NO_RECORDS_PROCESSED) else NO_RECORDS_PROCESSED
        self._broker_error: Optional[str] = None
        self._floors: dict[int, int] = {}
        self._error_lock = threading.Lock()

    @abstractmethod
    def bootstrap_servers(self) -> str:
        """``host:port,host:port`` of the brokers; SourceUnavailable when they cannot be known."""

    # Reporting ---------------------------------------------------------------------------------
    def report(self, last_processing_result: str) -> None:
        if last_processing_result in (OK, NO_RECORDS_PROCESSED):
            self._last_good = last_processing_result
        if last_processing_result != self.result:
            self.result = last_processing_result
            super().report(last_processing_result)

    def _reachable(self) -> None:
        """The cluster answered: a connection or topic problem reported earlier is over."""
        if self.result is None or self.result in OUR_PROBLEMS:
            self.report(self._last_good)

    def _on_kafka_error(self, error: Any) -> None:  # librdkafka's thread
        name = error.name() if hasattr(error, "name") else str(error)
        if name in _CONNECTION_CODES:
            with self._error_lock:
                self._broker_error = str(error)

    def _take_broker_error(self) -> Optional[str]:
        with self._error_lock:
            error, self._broker_error = self._broker_error, None
        return error

    # Running -----------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            kafka = kafka_module()
        except KafkaUnavailable as error:
            log.error("event source mapping %s cannot poll: %s", self.mapping.uuid, error)
            self.report(problem(str(error)))
            self.stopping.wait()
            return
        backoff = BACKOFF_FIRST
        while not self.stopping.is_set():
            try:
                servers = self.bootstrap_servers()
                healthy = self._consume(kafka, servers)
            except SourceUnavailable as error:
                log.info("event source mapping %s: %s", self.mapping.uuid, error)
                self.report(CONNECTION_ERROR)
                healthy = False
            if healthy:
                backoff = BACKOFF_FIRST
            elif self.sleep(backoff):
                return
            else:
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _consume(self, kafka: Any, servers: str) -> bool:
        """Read until stopped (True) or until the brokers or the topic fail (False: back off)."""
        settings = consumer_settings(servers, self.group_id, f"lambda-esm-{self.mapping.uuid}", self._on_kafka_error)
        consumer = kafka.Consumer(settings)
        try:
            partitions = self._partitions(kafka, consumer)
            if partitions is None:
                return False
            try:
                starts, self._floors = positions.start_offsets(consumer, kafka, self.topic, partitions, self.position,
                                                               self.timestamp)
            except kafka.KafkaException as error:
                raise SourceUnavailable(f"cannot read the committed offsets of group {self.group_id}: {error}")
            consumer.assign(starts)
            self._take_broker_error()
            self._reachable()
            delivery = BatchDelivery(self, self._event, lambda done: self._commit(kafka, consumer, done),
                                     self._send_failure(servers))
            self._servers = servers
            return self._read(kafka, consumer, delivery, set(partitions))
        finally:
            consumer.close()

    def _partitions(self, kafka: Any, consumer: Any) -> Optional[list[int]]:
        """The topic's partitions; None (reported) when it does not exist."""
        try:
            metadata = consumer.list_topics(self.topic, timeout=METADATA_TIMEOUT)
        except kafka.KafkaException as error:
            raise SourceUnavailable(f"cannot reach the brokers: {error}")
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            if topic is not None and topic.error is not None and topic.error.name() != "UNKNOWN_TOPIC_OR_PART":
                raise SourceUnavailable(f"cannot read topic {self.topic}: {topic.error}")
            self.report(TOPIC_NOT_FOUND)
            return None
        return sorted(topic.partitions)

    def _read(self, kafka: Any, consumer: Any, delivery: BatchDelivery, assigned: set[int]) -> bool:
        next_check = time.monotonic() + RECHECK_SECONDS
        while not self.stopping.is_set():
            try:
                batch = self._gather(consumer)
            except _TopicGone:
                self.report(TOPIC_NOT_FOUND)
                return False
            if self._take_broker_error() is not None and not batch:
                self.report(CONNECTION_ERROR)
            if batch:
                self._reachable()
                kept = [item for item in self._after_floors(batch)
                        if self.filters.matches(view_of(self.kind, item.record))]
                if kept:
                    delivery.deliver(kept)
                self._commit(kafka, consumer, batch)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + RECHECK_SECONDS
                if not self._recheck(kafka, consumer, assigned):
                    return False
        return True

    def _gather(self, consumer: Any) -> list[records.Fetched]:
        """Up to BatchSize records: the first (waiting at most POLL_SECONDS), then
        what arrives within the batching window. Empty when stopped meanwhile."""
        first = consumer.poll(POLL_SECONDS)
        if first is None:
            return []
        messages = [first]
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size:
            remaining = deadline - time.monotonic()
            wanted = min(self.batch_size - len(messages), 10_000)
            messages.extend(consumer.consume(num_messages=wanted, timeout=max(0.0, min(remaining, POLL_SECONDS))))
            if remaining <= POLL_SECONDS or self.stopping.is_set():
                break
        if self.stopping.is_set():
            return []  # not invoked, not committed: the next poller reads them again
        batch = []
        for message in messages:
            error = message.error()
            if error is None:
                batch.append(records.fetched(message))
            elif error.name() == "UNKNOWN_TOPIC_OR_PART":
                raise _TopicGone()
            else:
                log.debug("event source mapping %s: %s", self.mapping.uuid, error)
        return batch

    def _after_floors(self, batch: list[records.Fetched]) -> list[records.Fetched]:
        """AT_TIMESTAMP: the records of a partition from the first one at or after the timestamp."""
        if not self._floors:
            return batch
        kept = []
        for item in batch:
            floor = self._floors.get(item.partition)
            if floor is not None and 0 <= item.timestamp_ms < floor:
                continue  # older than the starting position: skipped, committed with the batch
            self._floors.pop(item.partition, None)
            kept.append(item)
        return kept

    def _recheck(self, kafka: Any, consumer: Any, assigned: set[int]) -> bool:
        """Partitions added to the topic start at their oldest record; the topic gone -> False."""
        try:
            metadata = consumer.list_topics(self.topic, timeout=METADATA_TIMEOUT)
        except kafka.KafkaException:
            self.report(CONNECTION_ERROR)
            return True  # librdkafka reconnects by itself
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            self.report(TOPIC_NOT_FOUND)
            return False
        self._reachable()
        added = sorted(set(topic.partitions) - assigned)
        if added:
            try:
                starts, _ = positions.start_offsets(consumer, kafka, self.topic, added, "TRIM_HORIZON", None)
            except kafka.KafkaException:
                return True  # next time
            consumer.incremental_assign(starts)
            assigned.update(added)
        return True

    def _commit(self, kafka: Any, consumer: Any, done: Sequence[records.Fetched]) -> None:
        """Commit past ``done`` (records that reached their outcome), retried until the broker takes it."""
        ends: dict[tuple[str, int], int] = {}
        for item in done:
            ends[(item.topic, item.partition)] = max(item.offset + 1, ends.get((item.topic, item.partition), 0))
        if not ends:
            return
        offsets = [kafka.TopicPartition(topic, partition, offset) for (topic, partition), offset in ends.items()]
        delay = BACKOFF_FIRST
        while True:
            try:
                consumer.commit(offsets=offsets, asynchronous=False)
                return
            except kafka.KafkaException as error:
                log.warning("event source mapping %s: commit failed (%s); retrying", self.mapping.uuid, error)
                self.report(CONNECTION_ERROR)
                if self.sleep(delay):
                    raise Stopped() from None  # delivered, not committed: delivered again (at least once)
                delay = min(delay * 2, BACKOFF_MAX)

    # The event and the failure destination ---------------------------------------------------
    _servers = ""

    def _event(self, batch: Sequence[records.Fetched]) -> dict[str, Any]:
        return records.event(self.event_source, self._servers, batch, self._event_source_arn())

    def _event_source_arn(self) -> Optional[str]:
        return None

    def _send_failure(self, servers: str) -> Any:
        destination = ((self.mapping.config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")

        def send(batch: failures.FailedBatch) -> None:
            failures.send(self.clients, destination, batch, mapping_uuid=self.mapping.uuid,
                          function_arn=self.mapping.function_arn, event_source_arn=self._event_source_arn(),
                          bootstrap_servers=servers)

        return send


class SelfManagedKafkaPoller(KafkaPoller):
    """``SelfManagedEventSource: {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [...]}}``."""

    def bootstrap_servers(self) -> str:
        endpoints = (self.mapping.get("SelfManagedEventSource") or {}).get("Endpoints") or {}
        return ",".join(endpoints.get("KAFKA_BOOTSTRAP_SERVERS") or [])


# GetBootstrapBrokers' members, in the order the poller prefers them.
_BROKER_STRINGS = (
    "BootstrapBrokerString", "BootstrapBrokerStringTls", "BootstrapBrokerStringSaslScram",
    "BootstrapBrokerStringSaslIam", "BootstrapBrokerStringPublicTls", "BootstrapBrokerStringPublicSaslScram",
    "BootstrapBrokerStringPublicSaslIam",
)


class MskPoller(KafkaPoller):
    """An Amazon MSK cluster by ARN: its brokers from ``GetBootstrapBrokers``."""

    kind = MSK
    event_source = records.MSK_SOURCE
    group_config = "AmazonManagedKafkaEventSourceConfig"

    def bootstrap_servers(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.clients.client("kafka").get_bootstrap_brokers(ClusterArn=self.mapping.event_source_arn)
        except (ClientError, BotoCoreError) as error:
            raise SourceUnavailable(f"GetBootstrapBrokers of {self.mapping.event_source_arn} failed: {error}")
        for member in _BROKER_STRINGS:
            if answer.get(member):
                return answer[member]
        raise SourceUnavailable(f"GetBootstrapBrokers of {self.mapping.event_source_arn} named no broker")

    def _event_source_arn(self) -> Optional[str]:
        return self.mapping.event_source_arn
