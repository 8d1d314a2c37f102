"""CreateEventSourceMapping checks that an SQS queue, Kinesis stream or DynamoDB
stream exists, as AWS does, by asking the source service through a botocore
client aimed at the gateway itself (``SourceChecker``), as the source's account.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional

from ..backend.errors import SourceNotFound
from .kinds import DYNAMODB, KINESIS, SQS

log = logging.getLogger("lambda.esm")

# AWS's answers for a source that does not exist (a source in another region
# counts as missing: "The Lambda function and the Amazon SQS queue must be in
# the same AWS Region", https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
# Kinesis / DynamoDB: test_lambda_integration_kinesis.snapshot.json
# TestKinesisSource::test_esm_with_not_existing_kinesis_stream and
# test_lambda_integration_dynamodbstreams.snapshot.json
# TestDynamoDBEventSourceMapping::test_esm_with_not_existing_dynamodb_stream.
SQS_NOT_FOUND = (
    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
    "SQS Error Message: The specified queue does not exist for this wsdl version."
)
SOURCE_SERVICES = {SQS: "sqs", KINESIS: "kinesis", DYNAMODB: "dynamodb"}
# Answers meaning "no such source" (a ValidationException: the ARN names one that cannot exist).
_MISSING_CODES = frozenset(
    {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ResourceNotFoundException", "ValidationException"}
)


def source_missing(kind: str, event_source_arn: str) -> SourceNotFound:
    return SourceNotFound(SQS_NOT_FOUND if kind == SQS else f"Stream not found: {event_source_arn}")


class SourceChecker:
    """Whether an event source exists, asked of the source service through the
    gateway itself, as the source's account (a 12-digit access key selects it)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str, str], Any] = {}
        self._lock = threading.Lock()

    def _client(self, service: str, endpoint: str, account_id: str, region: str) -> Any:
        key = (service, endpoint, account_id, region)
        with self._lock:  # boto3 sessions are not safe to create concurrently
            client = self._clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.session.Session().client(
                    service,
                    endpoint_url=endpoint,
                    region_name=region,
                    aws_access_key_id=account_id,
                    aws_secret_access_key="lambda-internal",
                    config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
                )
                self._clients[key] = client
        return client

    def exists(self, kind: str, event_source_arn: str, endpoint: str) -> Optional[bool]:
        """True / False, or None when the source service gave no clear answer."""
        from botocore.exceptions import BotoCoreError, ClientError

        _, _, _, region, account_id, resource = event_source_arn.split(":", 5)
        # The queue's, the stream's (everything after "stream/") or the table's name.
        name = resource if kind == SQS else resource.split("/", 1)[1] if kind == KINESIS else resource.split("/")[1]
        if not name:
            return False
        client = self._client(SOURCE_SERVICES[kind], endpoint, account_id, region)
        try:
            if kind == SQS:
                # What AWS's poller reads: the queue's attributes, by its URL.
                client.get_queue_attributes(QueueUrl=f"{endpoint}/{account_id}/{name}", AttributeNames=["QueueArn"])
                return True
            if kind == KINESIS:
                # By name, in the ARN's account and region (the client's): an ARN
                # argument would route botocore through its account endpoints.
                client.describe_stream_summary(StreamName=name)
                return True
            # DynamoDB: the table's current stream must be the one named.
            table = client.describe_table(TableName=name)["Table"]
            return table.get("LatestStreamArn") == event_source_arn
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return False
            log.warning("could not check event source %s: %s", event_source_arn, error)
            return None
        except (BotoCoreError, ValueError) as error:
            log.warning("could not check event source %s: %s", event_source_arn, error)
            return None


def require_source(
    checker: SourceChecker,
    kind: str,
    event_source_arn: str,
    region: str,
    service_enabled: Callable[[str], bool],
    endpoint: Callable[[], str],
) -> None:
    """SourceNotFound (AWS: InvalidParameterValueException) when an SQS queue, Kinesis stream or
    DynamoDB stream does not exist (in the function's ``region``). Not under the
    store lock: this is a request to the gateway itself (at ``endpoint()``)."""
    if kind not in SOURCE_SERVICES:
        return
    parts = event_source_arn.split(":", 5)
    source_region, account_id = parts[3], parts[4]
    if source_region != region or not (account_id.isdigit() and len(account_id) == 12):
        raise source_missing(kind, event_source_arn)
    service = SOURCE_SERVICES[kind]
    if not service_enabled(service):
        log.warning("%s is not served (SERVICES); cannot check event source %s", service, event_source_arn)
        return
    if checker.exists(kind, event_source_arn, endpoint()) is False:
        raise source_missing(kind, event_source_arn)
