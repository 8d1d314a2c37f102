"""A new mapping: its configuration (per-source defaults plus the members given)
and the stored record (AWS's shape plus private ``_``-prefixed keys)."""

from __future__ import annotations

import copy
from typing import Any

from .kinds import DOCUMENTDB, DYNAMODB, KAFKA, KINESIS, MQ, MSK, SQS

# Members echoed back as given when present.
ECHOED = (
    "BatchSize", "MaximumBatchingWindowInSeconds", "ParallelizationFactor", "StartingPosition", "FilterCriteria",
    "KMSKeyArn", "MetricsConfig", "LoggingConfig", "ScalingConfig", "DestinationConfig", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues",
    "SourceAccessConfigurations", "SelfManagedEventSource", "FunctionResponseTypes",
    "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
)
# Members UpdateEventSourceMapping may change (the source and where it starts are fixed).
UPDATABLE = tuple(name for name in ECHOED if name not in ("StartingPosition", "Topics", "Queues", "SelfManagedEventSource"))

DEFAULTS: dict[str, dict[str, Any]] = {
    SQS: {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": []},
    KINESIS: {
        "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1, "FunctionResponseTypes": [],
        "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1, "BisectBatchOnFunctionError": False,
        "TumblingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}, "LastProcessingResult": "No records processed",
    },
    MSK: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}},
    KAFKA: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "DestinationConfig": {"OnFailure": {}}},
    MQ: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0},
    DOCUMENTDB: {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 0},
}
DEFAULTS[DYNAMODB] = DEFAULTS[KINESIS]


def initial_config(kind: str, request: dict) -> dict[str, Any]:
    """The source type's defaults overlaid with the members the request gave."""
    config: dict[str, Any] = copy.deepcopy(DEFAULTS[kind])
    config.update({name: request[name] for name in ECHOED if request.get(name) is not None})
    if request.get("StartingPositionTimestamp") is not None:
        config["StartingPositionTimestamp"] = epoch(request["StartingPositionTimestamp"])
    return config


def default_consumer_group(kind: str, config: dict[str, Any], uuid: str) -> None:
    """Kafka consumers join the group named after the mapping unless told otherwise."""
    if kind == MSK and "AmazonManagedKafkaEventSourceConfig" not in config:
        config["AmazonManagedKafkaEventSourceConfig"] = {"ConsumerGroupId": uuid}
    if kind == KAFKA and "SelfManagedKafkaEventSourceConfig" not in config:
        config["SelfManagedKafkaEventSourceConfig"] = {"ConsumerGroupId": uuid}


def esm_arn(region: str, account_id: str, uuid: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{uuid}"


def epoch(value: Any) -> float:
    """A timestamp parameter (datetime or number) as epoch seconds, as it persists."""
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    return float(value)
