"""Where a mapping's consumer starts reading each partition.

A partition the consumer group has committed an offset for resumes there
(a restarted poller or gateway, an enabled mapping). A partition without one
starts at the mapping's ``StartingPosition`` (kafka-starting-positions.html):
``TRIM_HORIZON`` its oldest record, ``LATEST`` the next record written,
``AT_TIMESTAMP`` the first record at or after ``StartingPositionTimestamp``
(its end when there is none). That position is committed at once, so a
restart before the first batch does not move ``LATEST`` past records written
meanwhile: nothing is skipped.

A partition added to the topic later starts at its oldest record.

``AT_TIMESTAMP`` also returns a floor per partition: records older than the
timestamp that the consumer still reads (a broker that does not look offsets
up by time answers the oldest offset) are skipped, and committed, by the
poller until the first record at or after it.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

TIMEOUT_SECONDS = 5.0


def start_offsets(consumer: Any, kafka: Any, topic: str, partitions: Iterable[int], position: str,
                  timestamp: Optional[float]) -> tuple[list[Any], dict[int, int]]:
    """TopicPartitions with the offset to read from, and the timestamp floors
    (partition -> epoch ms); raises KafkaException when the broker does not answer."""
    wanted = [kafka.TopicPartition(topic, partition) for partition in partitions]
    committed = consumer.committed(wanted, timeout=TIMEOUT_SECONDS)
    starts, resolved, floors = [], [], {}
    for tp in committed:
        if tp.offset >= 0:
            starts.append(kafka.TopicPartition(topic, tp.partition, tp.offset))
            continue
        offset = initial_offset(consumer, kafka, topic, tp.partition, position, timestamp)
        starts.append(kafka.TopicPartition(topic, tp.partition, offset))
        resolved.append(kafka.TopicPartition(topic, tp.partition, offset))
        if position == "AT_TIMESTAMP" and timestamp is not None:
            floors[tp.partition] = int(timestamp * 1000)
    if resolved:
        consumer.commit(offsets=resolved, asynchronous=False)
    return starts, floors


def initial_offset(consumer: Any, kafka: Any, topic: str, partition: int, position: str,
                   timestamp: Optional[float]) -> int:
    low, high = consumer.get_watermark_offsets(kafka.TopicPartition(topic, partition), timeout=TIMEOUT_SECONDS)
    if position == "LATEST":
        return int(high)
    if position == "AT_TIMESTAMP" and timestamp is not None:
        found = consumer.offsets_for_times(
            [kafka.TopicPartition(topic, partition, int(timestamp * 1000))], timeout=TIMEOUT_SECONDS
        )
        offset = found[0].offset if found else -1
        return int(offset) if offset >= 0 else int(high)
    return int(low)
