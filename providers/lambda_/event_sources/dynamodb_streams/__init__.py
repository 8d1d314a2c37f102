"""The DynamoDB Streams poller plugin (entry point ``dynamodb-streams`` of
``gateway.lambda.event_sources``): the stream core (``event_sources/streams``)
reading a table's stream (``source.py``)."""

from __future__ import annotations

from ..streams.poller import StreamPoller
from .source import DynamoDBStreamSource


class DynamoDBStreamsPoller(StreamPoller):
    source_type = DynamoDBStreamSource


__all__ = ["DynamoDBStreamsPoller"]
