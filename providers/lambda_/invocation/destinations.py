"""Sending async outcomes on: destinations (SQS, SNS, Lambda, EventBridge) and
dead-letter queues, through botocore clients aimed at the gateway itself, in
the function's account and region (as AWS's own services would)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, Optional

import boto3
from botocore.config import Config as BotoConfig

from .models import InvocationResult

log = logging.getLogger("lambda.destinations")


class Destinations:
    def __init__(self) -> None:
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str, account: str, region: str, port: int) -> Any:
        key = (service, account, region, port)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = boto3.client(
                    service,
                    endpoint_url=f"http://127.0.0.1:{port}",
                    region_name=region,
                    aws_access_key_id=account,
                    aws_secret_access_key="test",
                    config=BotoConfig(retries={"max_attempts": 2}),
                )
        return client

    def deliver(self, target: Any, arn: str, record: dict) -> None:
        service, region, account, resource = _split(arn)
        body = json.dumps(record)
        try:
            if service == "sqs":
                self._sqs(target, region, account, resource).send_message(
                    QueueUrl=self._queue_url(target, region, account, resource), MessageBody=body
                )
            elif service == "sns":
                self.client("sns", target.account_id, region, target.gateway_port).publish(TopicArn=arn, Message=body)
            elif service == "lambda":
                self.client("lambda", target.account_id, region, target.gateway_port).invoke(
                    FunctionName=arn, InvocationType="Event", Payload=body.encode()
                )
            elif service == "events":
                success = record["requestContext"]["condition"] == "Success"
                detail_type = "Lambda Function Invocation Result - " + ("Success" if success else "Failure")
                function_arn = record["requestContext"]["functionArn"]
                self.client("events", target.account_id, region, target.gateway_port).put_events(
                    Entries=[{
                        "Source": "lambda",
                        "DetailType": detail_type,
                        "Detail": body,
                        "Resources": [function_arn, arn],
                        "EventBusName": arn,
                    }]
                )
            else:
                log.warning("destination %s is not supported", arn)
        except Exception as error:  # noqa: BLE001
            log.warning("could not deliver to destination %s: %s", arn, error)

    def dead_letter(self, target: Any, arn: str, payload: bytes, request_id: str,
                    result: Optional[InvocationResult], error: Optional[tuple[str, str]] = None) -> None:
        """The event itself to the dead-letter queue or topic, with AWS's message
        attributes: ``ErrorCode`` the invoke's status (200 for a function error;
        ``error`` gives code and message for an event that never ran)."""
        service, region, account, resource = _split(arn)
        code, message = error or ("200", "")
        if result is not None and result.payload:
            try:
                message = json.loads(result.payload).get("errorMessage", "")
            except (ValueError, AttributeError):
                message = result.payload.decode("utf-8", "replace")
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": code},
            "ErrorMessage": {"DataType": "String", "StringValue": message or "Unhandled"},
        }
        try:
            if service == "sqs":
                self._sqs(target, region, account, resource).send_message(
                    QueueUrl=self._queue_url(target, region, account, resource),
                    MessageBody=payload.decode("utf-8", "replace"),
                    MessageAttributes=attributes,
                )
            elif service == "sns":
                self.client("sns", target.account_id, region, target.gateway_port).publish(
                    TopicArn=arn,
                    Message=payload.decode("utf-8", "replace"),
                    MessageAttributes=attributes,
                )
        except Exception as error:  # noqa: BLE001
            log.warning("could not deliver to dead-letter target %s: %s", arn, error)

    def _sqs(self, target: Any, region: str, account: str, queue: str) -> Any:
        return self.client("sqs", account or target.account_id, region, target.gateway_port)

    def _queue_url(self, target: Any, region: str, account: str, queue: str) -> str:
        return self._sqs(target, region, account, queue).get_queue_url(QueueName=queue, QueueOwnerAWSAccountId=account)[
            "QueueUrl"
        ]


def _split(arn: str) -> tuple[str, str, str, str]:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", "", "", ""
    return parts[2], parts[3], parts[4], parts[5]
