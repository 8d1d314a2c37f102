"""SQS -> a trivial Python function, through an event source mapping.

- send -> handler start: one ``SendMessage`` at a time on an idle queue (its
  poller waiting in a long poll); the function posts the moment its handler
  started to a loopback sink, the bench subtracts the moment it sent the
  message (same clock). Target: p50 < 50 ms.
- records/s: a backlog of ``MESSAGES`` messages, then a mapping drains it,
  from the mapping's creation to the last message's handler: ``BatchSize`` 10
  (no window) and 100 (``MaximumBatchingWindowInSeconds`` 1, required above
  10; full batches never wait for it). Target: >= 2,000/s at ``BatchSize`` 100.
- idle: the gateway's CPU with ``IDLE_MAPPINGS`` enabled mappings on empty
  queues (each poller in a 20 s long poll), measured from ``/proc/<pid>/stat``
  over ``IDLE_SECONDS`` once the pollers settled. Target: < 2 % of one core.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import GatewayProcess

from .common import percentile
from .record_sink import Sink, handler_zip

ROLE = "arn:aws:iam::000000000000:role/sqs-bench"
HANDLER = '''
import json, os, time, urllib.request

def handler(event, context):
    started = time.time()
    bodies = [record["body"] for record in event["Records"]]
    body = json.dumps({"started": started, "records": bodies}).encode()
    urllib.request.urlopen(urllib.request.Request(os.environ["SINK"], data=body), timeout=10).read()
    return {}
'''
LATENCY_SAMPLES = int(os.environ.get("BENCH_SQS_SAMPLES", "100"))
MESSAGES = int(os.environ.get("BENCH_SQS_MESSAGES", "20000"))
IDLE_MAPPINGS = 50
IDLE_SETTLE_SECONDS = 25  # every poller's first long poll has begun and ended once
IDLE_SECONDS = 20


class Bench:
    def __init__(self, gateway: GatewayProcess, sink: Sink) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=gateway.url, region_name="us-east-1",
                                config=BotoConfig(retries={"max_attempts": 0}, max_pool_connections=16))

        self.gateway = gateway
        self.sqs = client("sqs")
        self.lam = client("lambda")
        self.lam.create_function(FunctionName="sqs-bench", Runtime="python3.12", Role=ROLE, Handler="index.handler",
                                 Code={"ZipFile": handler_zip(HANDLER)}, Environment={"Variables": {"SINK": sink.url}})
        self.lam.get_waiter("function_active_v2").wait(FunctionName="sqs-bench",
                                                       WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def mapping(self, arn: str, **settings: Any) -> None:
        uuid = self.lam.create_event_source_mapping(FunctionName="sqs-bench", EventSourceArn=arn, **settings)["UUID"]
        while self.lam.get_event_source_mapping(UUID=uuid)["State"] != "Enabled":
            time.sleep(0.05)


def latency(bench: Bench, sink: Sink) -> list[float]:
    url, arn = bench.queue("latency")
    bench.mapping(arn)
    bench.sqs.send_message(QueueUrl=url, MessageBody="warm-up")
    sink.wait_for({"warm-up"})
    samples = []
    for index in range(LATENCY_SAMPLES):
        body = f"latency-{index}"
        time.sleep(0.05)  # the poller is back in its long poll
        sent = time.time()
        bench.sqs.send_message(QueueUrl=url, MessageBody=body)
        started = sink.wait_for({body})[body]
        samples.append((started - sent) * 1000)
    return samples


def throughput(bench: Bench, sink: Sink, name: str, batch_size: int) -> float:
    """A backlog of ``MESSAGES`` messages, then a mapping drains it."""
    url, arn = bench.queue(name)
    bodies = [f"{name}-{index}" for index in range(MESSAGES)]

    def send(offset: int) -> None:
        bench.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[offset:offset + 10])])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(0, MESSAGES, 10)))
    deliveries = sink.deliveries
    started = time.time()
    bench.mapping(arn, BatchSize=batch_size, MaximumBatchingWindowInSeconds=1 if batch_size > 10 else 0)
    arrived = sink.wait_for(set(bodies), timeout=900)
    seconds = max(arrived.values()) - started
    extra = sink.deliveries - deliveries - MESSAGES
    print(f"  {MESSAGES:,} messages, BatchSize {batch_size}: drained in {seconds:.1f} s, "
          f"{MESSAGES / seconds:,.0f} records/s ({extra} delivered twice)", flush=True)
    return MESSAGES / seconds


def idle_cpu(bench: Bench) -> float:
    for index in range(IDLE_MAPPINGS):
        bench.mapping(bench.queue(f"idle-{index}")[1])
    time.sleep(IDLE_SETTLE_SECONDS)
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:
        with open(f"/proc/{bench.gateway.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    before = cpu_seconds()
    time.sleep(IDLE_SECONDS)
    return (cpu_seconds() - before) / IDLE_SECONDS * 100


def run() -> dict[str, object]:
    sink = Sink()
    try:
        with GatewayProcess(env={"LAMBDA_KEEPALIVE_MS": "600000"}) as gateway:
            bench = Bench(gateway, sink)
            samples = latency(bench, sink)
            p50, p90 = percentile(samples, 50), percentile(samples, 90)
            print(f"  send -> handler start, {len(samples)} messages one at a time: p50 {p50:.1f} ms, "
                  f"p90 {p90:.1f} ms, max {max(samples):.1f} ms (target p50 < 50 ms)", flush=True)
            ten = throughput(bench, sink, "drain-10", 10)
            hundred = throughput(bench, sink, "drain-100", 100)
            idle = idle_cpu(bench)
            print(f"  idle: {IDLE_MAPPINGS} enabled mappings on empty queues: {idle:.2f} % of one core "
                  f"(target < 2 %)", flush=True)
    finally:
        sink.close()
    return {"sqs_send_to_handler_p50_ms": p50, "sqs_records_per_second": {"batch_10": ten, "batch_100": hundred},
            "sqs_idle_cpu_percent": idle}
