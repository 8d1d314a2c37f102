"""moto's model objects are freed once moto lets go of them: its per-class
``instances_tracked`` lists (kept for moto's dashboard) would otherwise hold every
log event, message and object ever made, whatever was deleted or trimmed."""

from __future__ import annotations

import gc
import time
import uuid
import weakref
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

from providers.companions import services
from providers.companions.moto_instances import WeakInstances
from tests.unit import test_moto_bridge as bridge


@pytest.fixture(scope="module")
def provider() -> Iterator[services.LogsProvider]:
    logs_provider = services.LogsProvider(bridge.StandInGateway())  # type: ignore[arg-type]
    yield logs_provider
    logs_provider.on_reset()


@pytest.fixture
def logs(provider: services.LogsProvider) -> Any:
    client = boto3.client("logs", endpoint_url=bridge.ENDPOINT, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))
    return bridge.wire(client, provider)


def test_deleted_log_events_are_freed(logs: Any) -> None:
    from moto.logs.models import LogEvent, logs_backends

    group = f"/freed/{uuid.uuid4().hex}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": now + n, "message": f"line {n}"} for n in range(100)])
    stream = logs_backends["000000000000"]["us-east-1"].groups[group].streams["s"]
    watched = weakref.ref(stream.events[0])
    assert isinstance(LogEvent.instances_tracked, WeakInstances)
    assert watched() in list(LogEvent.instances_tracked)  # moto's dashboard still sees live objects
    del stream
    logs.delete_log_group(logGroupName=group)
    gc.collect()
    assert watched() is None


def test_weak_instances_behave_like_the_list_for_live_objects() -> None:
    class Model:
        __eq__ = lambda self, other: True  # noqa: E731 - unhashable, as some moto models are
        __hash__ = None  # type: ignore[assignment]

    tracked = WeakInstances()
    kept = [Model() for _ in range(3)]
    tracked.append(Model())  # dropped at once
    for item in kept:
        tracked.append(item)
    gc.collect()
    assert len(tracked) == 3 and all(any(a is b for b in tracked) for a in kept)


def test_a_reset_keeps_weak_tracking(logs: Any, provider: services.LogsProvider) -> None:
    from moto.logs.models import LogEvent

    logs.create_log_group(logGroupName=f"/reset/{uuid.uuid4().hex}")
    provider.on_reset()
    assert isinstance(LogEvent.instances_tracked, WeakInstances)
