"""Kinesis -> a trivial Python function, through an event source mapping.

- put -> handler start: one ``PutRecord`` at a time on an idle stream; the
  function posts the moment its handler started to a loopback sink, the bench
  subtracts the moment it sent the ``PutRecord`` (same clock). Target: p50 < 100 ms.
- records/s: a backlog of ``RECORDS`` records (``PutRecords`` of 500), then a
  mapping (``TRIM_HORIZON``) drains it: from the mapping's creation to the
  last record's handler, on 1 shard and on 4 shards (``BatchSize`` 100) and on
  1 shard with ``BatchSize`` 1000.
- idle: the gateway's CPU with ``IDLE_MAPPINGS`` enabled mappings on empty
  one-shard streams (the companion says when records arrive: idle shards are
  not polled more than every ``IDLE_NOTICED_SECONDS``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
import psutil
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

from .common import percentile
from .record_sink import Sink, handler_zip

ROLE = "arn:aws:iam::000000000000:role/kinesis-bench"
HANDLER = '''
import base64, json, os, time, urllib.request

def handler(event, context):
    started = time.time()
    records = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    body = json.dumps({"started": started, "records": records}).encode()
    urllib.request.urlopen(urllib.request.Request(os.environ["SINK"], data=body), timeout=10).read()
    return {}
'''
LATENCY_SAMPLES = int(os.environ.get("BENCH_KINESIS_SAMPLES", "100"))
RECORDS = int(os.environ.get("BENCH_KINESIS_RECORDS", "20000"))
IDLE_MAPPINGS = 50
IDLE_SECONDS = 20


class Bench:
    def __init__(self, gateway: GatewayProcess, sink: Sink) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=gateway.url, region_name="us-east-1",
                                config=BotoConfig(retries={"max_attempts": 0}))

        self.gateway = gateway
        self.kinesis = client("kinesis")
        self.lam = client("lambda")
        self.lam.create_function(FunctionName="kinesis-bench", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                 Code={"ZipFile": handler_zip(HANDLER)}, Environment={"Variables": {"SINK": sink.url}})
        self.lam.get_waiter("function_active_v2").wait(FunctionName="kinesis-bench",
                                                       WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})

    def mapped_stream(self, name: str, shards: int = 1, **settings: Any) -> None:
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        self.mapping(name, **settings)

    def mapping(self, name: str, **settings: Any) -> None:
        arn = self.kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
        settings.setdefault("StartingPosition", "LATEST")
        uuid = self.lam.create_event_source_mapping(FunctionName="kinesis-bench", EventSourceArn=arn,
                                                    **settings)["UUID"]
        while self.lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled":
            time.sleep(0.05)


def latency(bench: Bench, sink: Sink) -> list[float]:
    bench.mapped_stream("latency")
    bench.kinesis.put_record(StreamName="latency", Data=b"warm-up", PartitionKey="k")
    sink.wait_for({"warm-up"})
    samples = []
    for index in range(LATENCY_SAMPLES):
        data = f"latency-{index}"
        time.sleep(0.05)  # the poller is idle again, waiting
        sent = time.time()
        bench.kinesis.put_record(StreamName="latency", Data=data.encode(), PartitionKey=f"k{index}")
        started = sink.wait_for({data})[data]
        samples.append((started - sent) * 1000)
    return samples


def throughput(bench: Bench, sink: Sink, name: str, shards: int, batch_size: int = 100) -> float:
    """A backlog of ``RECORDS`` records, then a mapping (TRIM_HORIZON) drains it."""
    bench.kinesis.create_stream(StreamName=name, ShardCount=shards)
    datas = [f"{name}-{index}" for index in range(RECORDS)]
    for offset in range(0, RECORDS, 500):
        bench.kinesis.put_records(StreamName=name, Records=[
            {"Data": data.encode(), "PartitionKey": data} for data in datas[offset:offset + 500]])
    started = time.time()
    bench.mapping(name, StartingPosition="TRIM_HORIZON", BatchSize=batch_size)
    arrived = sink.wait_for(set(datas), timeout=600)
    seconds = max(arrived.values()) - started
    print(f"  {RECORDS:,} records on {shards} shard(s), BatchSize {batch_size}: drained in {seconds:.1f} s, "
          f"{RECORDS / seconds:,.0f} records/s", flush=True)
    return RECORDS / seconds


def idle_cpu(bench: Bench) -> float:
    for index in range(IDLE_MAPPINGS):
        bench.mapped_stream(f"idle-{index}")
    time.sleep(5)  # the new pollers settle (first listings, first reads)
    process = psutil.Process(bench.gateway.process.pid)
    before = process.cpu_times()
    time.sleep(IDLE_SECONDS)
    after = process.cpu_times()
    return ((after.user - before.user) + (after.system - before.system)) / IDLE_SECONDS * 100


def run() -> dict[str, object]:
    sink = Sink()
    try:
        with GatewayProcess(env={"LAMBDA_KEEPALIVE_MS": "600000"}) as gateway:
            bench = Bench(gateway, sink)
            samples = latency(bench, sink)
            p50, p90 = percentile(samples, 50), percentile(samples, 90)
            print(f"  put -> handler start, {len(samples)} records one at a time: p50 {p50:.1f} ms, "
                  f"p90 {p90:.1f} ms, max {max(samples):.1f} ms (target p50 < 100 ms)", flush=True)
            one = throughput(bench, sink, "drain-1", 1)
            four = throughput(bench, sink, "drain-4", 4)
            large = throughput(bench, sink, "drain-1-large", 1, batch_size=1000)
            idle = idle_cpu(bench)
            print(f"  idle: {IDLE_MAPPINGS} enabled mappings on empty streams: {idle:.2f} % of one core", flush=True)
    finally:
        sink.close()
    return {"kinesis_put_to_handler_p50_ms": p50, "kinesis_records_per_second": {"1_shard": one, "4_shards": four, "1_shard_batch_1000": large},
            "kinesis_idle_cpu_percent": idle}
