"""Discarded batches: the invocation record AWS sends to a stream mapping's
``DestinationConfig.OnFailure`` (an SQS queue, an SNS topic or an S3 bucket).

The record (AWS's "Retain discarded batch records" pages for Kinesis and
DynamoDB, and the recorded ones in test_lambda_integration_kinesis.snapshot.json)::

    {"requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
     "responseContext": {"statusCode", "executedVersion", "functionError"},
     "version": "1.0", "timestamp": "2019-11-14T00:38:06.021Z",
     "KinesisBatchInfo" | "DDBStreamBatchInfo": {"shardId", "startSequenceNumber",
         "endSequenceNumber", "approximateArrivalOfFirstRecord",
         "approximateArrivalOfLastRecord", "batchSize", "streamArn"}}

- ``condition``: ``RetryAttemptsExhausted`` or ``RecordAgeExceeded``; a record
  that expired carries no ``responseContext`` and an invoke count of 1.
- ``functionError`` is null when the function succeeded but its answer
  failed the batch (``ReportBatchItemFailures``).
- S3 only: ``payload``, the invocation event as a JSON string, in an object
  named ``aws/lambda/<ESM-UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>``.

Without a destination the batch is discarded (logged). A destination that
cannot be reached is tried again a few times, then the record is logged at
ERROR, whole, so that it is not lost silently.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from ..poller import Poller
    from .source import StreamRecord, StreamSource

log = logging.getLogger("lambda.esm")

RETRY_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"
DELIVERY_ATTEMPTS = 4
DELIVERY_BACKOFF_FIRST = 0.5


@dataclass(frozen=True)
class Response:
    """What the last invocation of the batch answered (``responseContext``)."""

    executed_version: str
    function_error: Optional[str]
    status_code: int = 200


class FailureDestination:
    def __init__(self, poller: "Poller", source: "StreamSource", destination: Optional[str]) -> None:
        self.poller = poller
        self.source = source
        self.destination = destination

    def discard(self, shard_id: str, records: Sequence["StreamRecord"], condition: str, invoke_count: int,
                response: Optional[Response], request_id: str, event: dict[str, Any]) -> None:
        record = self.record(shard_id, records, condition, invoke_count, response, request_id)
        if not self.destination:
            log.info("mapping %s discarded %d records of %s (%s); no OnFailure destination", self.poller.mapping.uuid,
                     len(records), shard_id, condition)
            return
        delay = DELIVERY_BACKOFF_FIRST
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                self._deliver(shard_id, record, event)
                return
            except Exception as error:  # noqa: BLE001 - any failure to deliver is retried, then logged
                if attempt == DELIVERY_ATTEMPTS or self.poller.sleep(delay):
                    log.error("mapping %s could not send a discarded batch to %s (%s); the record: %s",
                              self.poller.mapping.uuid, self.destination, error, json.dumps(record))
                    return
                delay *= 2

    def record(self, shard_id: str, records: Sequence["StreamRecord"], condition: str, invoke_count: int,
               response: Optional[Response], request_id: str) -> dict[str, Any]:
        first, last = records[0], records[-1]
        record: dict[str, Any] = {
            "requestContext": {
                "requestId": request_id,
                "functionArn": self.poller.mapping.function_arn,
                "condition": condition,
                "approximateInvokeCount": invoke_count,
            },
        }
        if response is not None:
            record["responseContext"] = {
                "statusCode": response.status_code,
                "executedVersion": response.executed_version,
                "functionError": response.function_error,
            }
        record["version"] = "1.0"
        record["timestamp"] = self.source.iso_time(time.time())
        record[self.source.batch_info] = {
            "shardId": shard_id,
            "startSequenceNumber": first.sequence,
            "endSequenceNumber": last.sequence,
            "approximateArrivalOfFirstRecord": self.source.arrival_text(first.arrival),
            "approximateArrivalOfLastRecord": self.source.arrival_text(last.arrival),
            "batchSize": len(records),
            "streamArn": self.source.arn,
        }
        return record

    def _deliver(self, shard_id: str, record: dict[str, Any], event: dict[str, Any]) -> None:
        assert self.destination
        parts = self.destination.split(":", 5)
        service = parts[2] if len(parts) == 6 else ""
        if service == "sqs":
            region, account_id, name = parts[3], parts[4], parts[5]
            sqs = self.poller.clients.client("sqs", account_id=account_id, region=region)
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account_id)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
        elif service == "sns":
            sns = self.poller.clients.client("sns", account_id=parts[4], region=parts[3])
            sns.publish(TopicArn=self.destination, Message=json.dumps(record))
        elif service == "s3":
            body = dict(record, payload=json.dumps(event, separators=(",", ":")))
            key = object_key(self.poller.mapping.uuid, shard_id, time.time())
            s3 = self.poller.clients.client("s3", account_id=self.poller.mapping.key.account_id,
                                            region=self.poller.mapping.key.region)
            s3.put_object(Bucket=parts[5], Key=key, Body=json.dumps(body).encode(), ContentType="application/json")
        else:
            raise ValueError(f"{self.destination} is not an SQS queue, SNS topic or S3 bucket")


def object_key(mapping_uuid: str, shard_id: str, now: float) -> str:
    """``aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>``."""
    moment = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
