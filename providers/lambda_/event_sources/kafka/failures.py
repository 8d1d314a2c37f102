"""The OnFailure destination of a Kafka mapping: AWS's invocation record of a
discarded batch, sent to an SQS queue, an SNS topic or an S3 bucket.

The record (kafka-on-failure.html, "SNS and SQS example invocation record")::

    {"requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
     "responseContext": {"statusCode", "executedVersion", "functionError"},   # null: MaximumPayloadSizeExceeded
     "version": "1.0", "timestamp": "2019-11-14T00:38:06.021Z",
     "KafkaBatchInfo": {"batchSize", "eventSourceArn", "bootstrapServers", "payloadSize",
                        "recordsInfo": {"<topic>-<partition>": {"firstRecordOffset", "lastRecordOffset",
                                                                 "firstRecordTimestamp", "lastRecordTimestamp"}}}}

S3 destinations also get ``payload``: the whole invocation event as a JSON
string, in an object named ``aws/lambda/<mapping UUID>/<topic>-<partition>/
YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`` (the shard id's place in the
stream sources' naming holds the batch's first topic-partition).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .records import Fetched

RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
PAYLOAD_TOO_LARGE = "MaximumPayloadSizeExceeded"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass
class FailedBatch:
    """What the destination is told of a batch Lambda gave up on."""

    condition: str
    records: Sequence[Fetched]
    payload: bytes  # the invocation event as sent (or as it would have been)
    attempts: int
    request_id: Optional[str] = None
    status_code: Optional[int] = None
    executed_version: Optional[str] = None
    function_error: Optional[str] = None


def iso_millis(epoch_seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_seconds)) + f".{int(epoch_seconds * 1000) % 1000:03d}Z"


def invocation_record(batch: FailedBatch, function_arn: str, event_source_arn: Optional[str],
                      bootstrap_servers: str, with_payload: bool) -> dict[str, Any]:
    records_info: dict[str, dict[str, str]] = {}
    for item in batch.records:
        info = records_info.get(item.key)
        stamp = iso_millis(item.timestamp_ms / 1000) if item.timestamp_ms >= 0 else ""
        if info is None:
            records_info[item.key] = {
                "firstRecordOffset": str(item.offset), "lastRecordOffset": str(item.offset),
                "firstRecordTimestamp": stamp, "lastRecordTimestamp": stamp,
            }
        else:
            info["lastRecordOffset"], info["lastRecordTimestamp"] = str(item.offset), stamp
    batch_info: dict[str, Any] = {"batchSize": len(batch.records)}
    if event_source_arn:
        batch_info["eventSourceArn"] = event_source_arn
    batch_info.update({"bootstrapServers": bootstrap_servers, "payloadSize": len(batch.payload),
                       "recordsInfo": records_info})
    response_context = None
    if batch.condition != PAYLOAD_TOO_LARGE and batch.status_code is not None:
        response_context = {"statusCode": batch.status_code, "executedVersion": batch.executed_version or "$LATEST"}
        if batch.function_error:
            response_context["functionError"] = batch.function_error
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": batch.request_id or str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": batch.condition,
            "approximateInvokeCount": batch.attempts,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": iso_millis(time.time()),
        "KafkaBatchInfo": batch_info,
    }
    if with_payload:
        record["payload"] = batch.payload.decode("utf-8")
    return record


def s3_key(mapping_uuid: str, partition_key: str) -> str:
    now = time.gmtime()
    return (f"aws/lambda/{mapping_uuid}/{partition_key}/{time.strftime('%Y/%m/%d', now)}/"
            f"{time.strftime('%Y-%m-%dT%H.%M.%S', now)}-{uuid.uuid4()}")


def send(clients: Any, destination_arn: str, batch: FailedBatch, *, mapping_uuid: str, function_arn: str,
         event_source_arn: Optional[str], bootstrap_servers: str) -> None:
    """Deliver the invocation record (raises what the destination's service raises)."""
    parts = destination_arn.split(":", 5)
    service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
    record = invocation_record(batch, function_arn, event_source_arn, bootstrap_servers, with_payload=service == "s3")
    body = json.dumps(record, separators=(",", ":"))
    if service == "sqs":
        client = clients.client("sqs", account_id=account, region=region)
        url = client.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)["QueueUrl"]
        client.send_message(QueueUrl=url, MessageBody=body)
    elif service == "sns":
        clients.client("sns", account_id=account, region=region).publish(TopicArn=destination_arn, Message=body)
    elif service == "s3":
        key = s3_key(mapping_uuid, batch.records[0].key if batch.records else "")
        clients.client("s3").put_object(Bucket=resource, Key=key, Body=body.encode())
    else:
        raise ValueError(f"unsupported OnFailure destination {destination_arn}")
