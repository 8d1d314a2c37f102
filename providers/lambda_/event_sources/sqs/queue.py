"""The mapping's queue, through the SQS API (a botocore client): receive,
delete, hand back. Errors come out as two kinds: ``QueueGone`` (the queue
does not exist) and ``SourceUnavailable`` (anything else SQS or the network
answered), for the poller to wait and try again."""

from __future__ import annotations

import logging
from typing import Any, Optional, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from .records import Record, build_record
from .settings import SqsSettings

log = logging.getLogger("lambda.esm.sqs")

MAX_ENTRIES = 10  # DeleteMessageBatch and ChangeMessageVisibilityBatch take at most 10
NOT_FOUND = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


class QueueGone(Exception):
    """The queue does not exist (deleted, or not yet created)."""


class SourceUnavailable(Exception):
    """SQS refused or could not be reached."""


class SqsQueue:
    def __init__(self, client: Any, settings: SqsSettings) -> None:
        self._client = client
        self._settings = settings
        self._url: Optional[str] = None

    def receive(self, count: int, wait_seconds: int) -> list[Record]:
        settings = self._settings
        answer = self._call("receive_message", MaxNumberOfMessages=count, WaitTimeSeconds=wait_seconds,
                            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
        return [build_record(message, settings.queue_arn, settings.region, settings.md5_of_attributes_always)
                for message in answer.get("Messages") or ()]

    def delete(self, records: Sequence[Record]) -> None:
        """Delete the messages (a failure is logged: they return after their visibility timeout)."""
        self._batched("delete_message_batch", records, {})

    def hand_back(self, records: Sequence[Record]) -> None:
        """Make the messages visible again now (read, but not to be processed by this poller)."""
        self._batched("change_message_visibility_batch", records, {"VisibilityTimeout": 0})

    def _batched(self, operation: str, records: Sequence[Record], extra: dict[str, Any]) -> None:
        for start in range(0, len(records), MAX_ENTRIES):
            chunk = records[start:start + MAX_ENTRIES]
            entries = [{"Id": str(i), "ReceiptHandle": record.receipt_handle, **extra}
                       for i, record in enumerate(chunk)]
            try:
                answer = self._call(operation, Entries=entries)
            except (QueueGone, SourceUnavailable) as error:
                log.warning("%s on %s failed for %d messages: %s", operation, self._settings.queue_arn, len(chunk),
                            error)
                continue
            for failure in answer.get("Failed") or ():
                log.warning("%s on %s failed for message %s: %s %s", operation, self._settings.queue_arn,
                            chunk[int(failure["Id"])].message_id, failure.get("Code"), failure.get("Message"))

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(QueueUrl=self._queue_url(), **params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_FOUND:
                self._url = None
                raise QueueGone(self._settings.queue_arn) from None
            raise SourceUnavailable(str(error)) from None
        except BotoCoreError as error:
            raise SourceUnavailable(str(error)) from None

    def _queue_url(self) -> str:
        if self._url is None:
            try:
                self._url = self._client.get_queue_url(QueueName=self._settings.queue_name,
                                                       QueueOwnerAWSAccountId=self._settings.account_id)["QueueUrl"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in NOT_FOUND:
                    raise QueueGone(self._settings.queue_arn) from None
                raise SourceUnavailable(str(error)) from None
            except BotoCoreError as error:
                raise SourceUnavailable(str(error)) from None
        return self._url
