"""The companion SQS's busiest operations answered from moto's backend directly.

ReceiveMessage, DeleteMessage and DeleteMessageBatch are what a consumer (the
Lambda SQS poller above all) sends most. Through moto's own HTTP layer each
costs a Flask request, moto's request parsing (``inspect`` of the responses
class per request) and moto's generic serializer: about 1.5 ms of CPU, most
of a request's cost. The gateway has already parsed and validated the request
with the SQS model, so for these operations the provider calls moto's backend
(the same methods moto's responses call: ``receive_message``,
``delete_message``, ``delete_message_batch``) and the gateway serializes the
result with the same model (``checks.Answer``).

Only the plain case is answered here: a JSON request whose values are in the
ranges moto accepts, for a queue that exists. Anything else (a query-protocol
request, an out-of-range value, a missing queue, an empty or repeated batch)
goes to moto as before, so its errors are moto's, word for word.
"""

from __future__ import annotations

from typing import Any, Optional

from .checks.common import Answer

MAX_RECEIVE = 10
MAX_WAIT_SECONDS = 20
MAX_VISIBILITY_TIMEOUT = 43_200
SYSTEM_ATTRIBUTES = (
    "AWSTraceHeader", "ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "MessageDeduplicationId",
    "MessageGroupId", "SenderId", "SentTimestamp", "SequenceNumber",
)


def answer(operation: str, account_id: str, region: str, params: dict[str, Any]) -> None:
    """Raise ``Answer`` with the result of ``operation``, or return: moto answers it."""
    handler = _HANDLERS.get(operation)
    if handler is None:
        return
    queue = _queue(account_id, region, params.get("QueueUrl"))
    if queue is None:
        return
    backend, name = queue
    result = handler(backend, name, params)
    if result is not None:
        raise Answer(result)


def _queue(account_id: str, region: str, queue_url: Any) -> Optional[tuple[Any, str]]:
    """moto's backend and the queue's name, when the queue exists (as moto reads a QueueUrl)."""
    if not isinstance(queue_url, str) or not queue_url:
        return None
    from moto.sqs.models import sqs_backends

    name = queue_url.split("/")[-1] if queue_url.startswith(("http://", "https://")) else queue_url
    backend = sqs_backends[account_id][region]
    return (backend, name) if name in backend.queues else None


def _receive(backend: Any, name: str, params: dict[str, Any]) -> Optional[dict[str, Any]]:
    from moto.sqs.exceptions import SQSException

    queue = backend.queues[name]
    count = params.get("MaxNumberOfMessages", 1)
    wait = params.get("WaitTimeSeconds", queue.receive_message_wait_time_seconds)
    visibility = params.get("VisibilityTimeout", queue.visibility_timeout)
    if not (_within(count, 1, MAX_RECEIVE) and _within(wait, 0, MAX_WAIT_SECONDS)
            and _within(visibility, 0, MAX_VISIBILITY_TIMEOUT)):
        return None
    try:
        messages = backend.receive_message(name, count, wait, visibility, params.get("MessageAttributeNames") or [])
    except SQSException:  # the queue was deleted during the wait: moto says so in its words
        return None
    wanted = set(params.get("AttributeNames") or ()) | set(params.get("MessageSystemAttributeNames") or ())
    names = SYSTEM_ATTRIBUTES if "All" in wanted else tuple(n for n in SYSTEM_ATTRIBUTES if n in wanted)
    return {"Messages": [_message(message, names) for message in messages]} if messages else {}


def _message(message: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """One message as ReceiveMessage answers it (moto's choice of members)."""
    answer: dict[str, Any] = {
        "MessageId": message.id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.body_md5,
        "Body": message.body,
    }
    if message.message_attributes:
        answer["MessageAttributes"] = message.message_attributes
        answer["MD5OfMessageAttributes"] = message.attribute_md5
    if names:
        values = {
            "SenderId": message.sender_id,
            "SentTimestamp": str(message.sent_timestamp),
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
            "MessageDeduplicationId": message.deduplication_id,
            "MessageGroupId": message.group_id,
            "SequenceNumber": message.sequence_number,
            "AWSTraceHeader": ((message.system_attributes or {}).get("AWSTraceHeader") or {}).get("StringValue"),
        }
        answer["Attributes"] = {name: values[name] for name in names if values[name] is not None}
    return answer


def _delete(backend: Any, name: str, params: dict[str, Any]) -> Optional[dict[str, Any]]:
    from moto.sqs.exceptions import SQSException

    handle = params.get("ReceiptHandle")
    if not isinstance(handle, str):
        return None
    try:
        backend.delete_message(name, handle)
    except SQSException:
        return None  # moto answers it (ReceiptHandleIsInvalid)
    return {}


def _delete_batch(backend: Any, name: str, params: dict[str, Any]) -> Optional[dict[str, Any]]:
    entries = params.get("Entries") or []
    handles = [entry.get("ReceiptHandle") for entry in entries]
    if not entries or len(set(handles)) != len(handles) or not all(isinstance(h, str) for h in handles):
        return None  # moto's errors: EmptyBatchRequest, BatchEntryIdsNotDistinct
    successful, failed = backend.delete_message_batch(name, entries)
    return {"Successful": [{"Id": entry_id} for entry_id in successful], "Failed": failed}


def _within(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


_HANDLERS = {"ReceiveMessage": _receive, "DeleteMessage": _delete, "DeleteMessageBatch": _delete_batch}
