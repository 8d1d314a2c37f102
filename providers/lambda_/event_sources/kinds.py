"""Event source kinds: which poller an event source ARN needs.

A kind (``sqs``, ``msk``, ...) is what a stored mapping records (``_Kind``); a
*source* is the name of the poller plugin that reads it (entry point group
``gateway.lambda.event_sources``), as users and plugin authors see it.
"""

from __future__ import annotations

from typing import Any, Optional

SQS, KINESIS, DYNAMODB, MSK, KAFKA, MQ, DOCUMENTDB = "sqs", "kinesis", "dynamodb", "msk", "kafka", "mq", "documentdb"
STREAMS = (KINESIS, DYNAMODB)
KAFKAS = (MSK, KAFKA)

# Kind -> the poller plugin's name.
SOURCES = {
    SQS: "sqs", KINESIS: "kinesis", DYNAMODB: "dynamodb-streams", MSK: "kafka", KAFKA: "self-managed-kafka",
    MQ: "mq", DOCUMENTDB: "documentdb",
}


def source_type(event_source_arn: Optional[str], self_managed: Optional[dict]) -> Optional[str]:
    """Which poller an ARN needs, or None when Lambda cannot read from it."""
    if not event_source_arn:
        return KAFKA if self_managed else None
    parts = event_source_arn.split(":", 5)
    if len(parts) != 6:
        return None
    service, resource = parts[2], parts[5]
    if service == "sqs":
        return SQS
    if service == "kinesis" and resource.startswith("stream/"):
        return KINESIS
    if service == "dynamodb" and "/stream/" in resource:
        return DYNAMODB
    if service == "kafka":
        return MSK
    if service == "mq":
        return MQ
    if service in ("rds", "docdb") and resource.startswith("cluster:"):
        return DOCUMENTDB
    return None


def record_kind(record: dict[str, Any]) -> str:
    """A stored mapping's kind (records from before ``_Kind`` was kept derive it)."""
    return record.get("_Kind") or source_type(record.get("EventSourceArn"), record.get("SelfManagedEventSource")) or SQS


def record_source(record: dict[str, Any]) -> str:
    """The poller plugin a stored mapping needs (``sqs``, ``dynamodb-streams``, ...)."""
    return SOURCES[record_kind(record)]
