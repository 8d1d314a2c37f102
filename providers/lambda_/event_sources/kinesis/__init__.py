"""The Kinesis poller plugin (entry point ``kinesis`` of ``gateway.lambda.event_sources``):
the stream core (``event_sources/streams``) reading a Kinesis data stream (``source.py``)."""

from __future__ import annotations

from ..streams.poller import StreamPoller
from .source import KinesisSource


class KinesisPoller(StreamPoller):
    source_type = KinesisSource


__all__ = ["KinesisPoller"]
