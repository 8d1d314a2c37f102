"""AWS's parameter rules for a mapping, by source type, and the conflict a
second mapping of the same source and function raises (domain exceptions:
``InvalidMapping``, ``MappingExists``; the API edge answers AWS's errors)."""

from __future__ import annotations

from typing import Any

from ..backend.errors import InvalidMapping, MappingExists
from ..store import LambdaStore
from ..validation import describe_destination_config
from .filtering import FilterSet, InvalidFilterCriteria
from .kinds import DOCUMENTDB, DYNAMODB, KAFKAS, MQ, SQS, STREAMS

STREAM_ONLY = ("ParallelizationFactor", "BisectBatchOnFunctionError", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "TumblingWindowInSeconds")


def validate_config(kind: str, config: dict[str, Any], event_source_arn: str) -> None:
    """Checks that depend on the source type, on the merged configuration."""
    if kind == SQS:
        if config.get("StartingPosition") or config.get("StartingPositionTimestamp") is not None:
            raise InvalidMapping("StartingPosition is not valid for SQS event sources.")
        fifo = event_source_arn.endswith(".fifo")
        batch, window = config.get("BatchSize", 10), config.get("MaximumBatchingWindowInSeconds", 0)
        if fifo and window:
            raise InvalidMapping("Batching window is not supported for FIFO queues")
        if fifo and batch > 10:
            raise InvalidMapping("Batch size must not exceed 10 for FIFO queues")
        if batch > 10 and not window:
            raise InvalidMapping(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
            )
    if kind in STREAMS + KAFKAS + (DOCUMENTDB,):
        position = config.get("StartingPosition")
        if not position:
            raise InvalidMapping(
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
                "Member must not be null."
            )
        if config.get("StartingPositionTimestamp") is not None and position != "AT_TIMESTAMP":
            raise InvalidMapping("Timestamp only valid with StartingPosition AT_TIMESTAMP")
        if position == "AT_TIMESTAMP" and kind == DYNAMODB:
            raise InvalidMapping(f"Unsupported starting position for arn type: {event_source_arn}")
    if kind not in STREAMS:
        for name in STREAM_ONLY:
            if name in config:
                raise InvalidMapping(f"Unsupported {name} parameter for given event source mapping type.")
    if kind != SQS and "ScalingConfig" in config:
        raise InvalidMapping("Unsupported ScalingConfig parameter for given event source mapping type.")
    destinations = config.get("DestinationConfig")
    if destinations:
        if kind in (SQS, MQ, DOCUMENTDB):
            raise InvalidMapping("Unsupported DestinationConfig parameter for given event source mapping type.")
        for kind_name, services in (("OnFailure", {"sqs", "sns", "s3"}), ("OnSuccess", {"sqs", "sns", "s3"})):
            target = (destinations.get(kind_name) or {}).get("Destination")
            if not target:
                continue
            service = target.split(":")[2] if target.startswith("arn:") and target.count(":") >= 5 else ""
            if service not in services or (kind_name == "OnSuccess" and kind not in KAFKAS):
                raise InvalidMapping(f"The provided destination config {describe_destination_config(destinations)} is invalid.")
    try:
        FilterSet.compile(config.get("FilterCriteria"), kind)
    except InvalidFilterCriteria as error:
        raise InvalidMapping(error.message) from None


def check_duplicate(store: LambdaStore, kind: str, event_source_arn: str, function_arn_value: str) -> None:
    """AWS's conflict when a live mapping already joins this source and function (under ``store.lock``)."""
    for uuid, other in store.event_source_mappings.items():
        if (
            other.get("EventSourceArn") == event_source_arn
            and other.get("FunctionArn") == function_arn_value
            and other.get("State") != "Deleting"
        ):
            name = function_arn_value.split(":")[6]
            if kind == SQS:
                # test_lambda_integration_sqs.snapshot.json
                # TestSQSEventSourceMapping::test_duplicate_event_source_mappings
                raise MappingExists(
                    f'An event source mapping with SQS arn (" {event_source_arn} ") and function (" {name} ") '
                    f"already exists. Please update or delete the existing mapping with UUID {uuid}", uuid
                )
            raise MappingExists(
                f'The event source arn (" {event_source_arn} ") and function (" {name} ") provided mapping already '
                f"exists. Please update or delete the existing mapping with UUID {uuid}", uuid
            )
