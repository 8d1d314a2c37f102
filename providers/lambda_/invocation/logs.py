"""Function logs: AWS's START/END/REPORT lines, the ``LogType: Tail`` excerpt,
CloudWatch Logs delivery (to the companion service, through botocore), and the
gateway's own log."""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Callable, Optional

import boto3
from botocore.config import Config as BotoConfig

log = logging.getLogger("lambda.logs")
function_log = logging.getLogger("lambda.function")

TAIL_BYTES = 4096
BATCH_SECONDS = 1.0  # how long log events gather before one delivery per stream
DELIVERY_EVENTS = 200  # events per PutLogEvents call
DELIVERY_PAUSE_SECONDS = 0.005  # between calls, so invocations keep flowing
#: Lines waiting for delivery at most; beyond, new lines are dropped (and counted
#: in the gateway's log) rather than held: memory stays bounded when functions
#: print faster than CloudWatch Logs takes them.
MAX_PENDING_LINES = 200_000
#: Streams known to exist, remembered at most (an environment is one stream).
KNOWN_STREAMS = 4096


def log_stream_name(version: str) -> str:
    """``2024/01/31/[$LATEST]<32 hex>``, as AWS names an environment's stream."""
    day = datetime.now(timezone.utc).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


class EnvironmentLog:
    """Collects one environment's output, split per invocation.

    The function's output is shown in the gateway's log too: at INFO, each line
    prefixed with ``[label]`` (the function's name, ``name:version`` for a
    published version) when ``echo`` is on (``LAMBDA_LOG_FUNCTIONS=1``), else at
    DEBUG (``DEBUG=1``, Lambda's START/END/REPORT lines included); cut at
    ``truncate`` characters either way. invocation_log.py sums each invocation
    up at INFO."""

    def __init__(self, group: str, stream: str, shipper: "LogShipper", target: tuple[str, str, int],
                 truncate: int, debug: bool, label: str = "", echo: bool = False) -> None:
        self.group = group
        self.stream = stream
        self.label = label
        self._shipper = shipper
        self._target = target  # (account, region, gateway port)
        self._truncate = truncate
        self._debug = debug
        self._echo = echo
        self._lock = threading.Lock()
        self._lines: list[tuple[int, str]] = []

    def line(self, text: str) -> None:
        text = self._collect(text)
        if self._echo or self._debug:
            for part in text.split("\n"):
                shown = part if len(part) <= self._truncate else part[: self._truncate] + "..."
                if self._echo:
                    function_log.info("[%s] %s", self.label, shown)
                else:
                    function_log.debug("> %s", shown)

    def _collect(self, text: str) -> str:
        # AWS runtimes separate the lines of one log record with \r.
        text = text.replace("\r", "\n")
        with self._lock:
            self._lines.append((int(time.time() * 1000), text))
        return text

    def system(self, text: str) -> None:
        """A message of the gateway's own (why an environment could not start): shown as output is."""
        self.line(text)

    def system_lines(self, lines: list[str]) -> None:
        """Lambda's START/END/REPORT lines: shown as output with ``DEBUG=1`` (as the
        user guide shows them), not with ``LAMBDA_LOG_FUNCTIONS=1``."""
        for text in lines:
            if self._echo:
                self._collect(text)
            else:
                self.line(text)

    def take(self) -> list[tuple[int, str]]:
        """Everything collected since the last take (this invocation's log)."""
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def ship(self, lines: list[tuple[int, str]]) -> None:
        if lines:
            account, region, port = self._target
            self._shipper.put(account, region, port, self.group, self.stream, lines)


def tail(lines: list[tuple[int, str]]) -> bytes:
    text = "".join(line + "\n" for _, line in lines).encode()
    return text[-TAIL_BYTES:]


class LogShipper:
    """Delivers log events to CloudWatch Logs in the background, in order.

    CloudWatch Logs bounds what it keeps (``LOGS_RETENTION_BYTES``...) and may
    remove a stream it emptied: a delivery to a stream that no longer exists
    creates it again. What waits for delivery is bounded too (``MAX_PENDING_LINES``)."""

    def __init__(self, client_factory: Optional[Callable[[str, str, int], object]] = None) -> None:
        self._queue: "queue.Queue[Optional[tuple]]" = queue.Queue()
        self._clients: dict[tuple[str, str, int], object] = {}
        self._known_streams: "OrderedDict[tuple[str, str, str, str], None]" = OrderedDict()
        self._pending = 0  # lines queued, not yet taken for delivery
        self._dropped = 0  # lines dropped since the last report
        self._pending_lock = threading.Lock()
        # Set by flush() and stop(): the batch being gathered goes out now, not at the
        # end of its BATCH_SECONDS (a gateway's shutdown waited a whole window for it).
        self._hurry = threading.Event()
        self._client_factory = client_factory or self._client
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    @staticmethod
    def _client(account: str, region: str, port: int) -> object:
        return boto3.client(
            "logs",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name=region,
            aws_access_key_id=account,
            aws_secret_access_key="test",
            # Our own well-formed requests: botocore's validation of thousands of events costs more than sending them.
            config=BotoConfig(retries={"max_attempts": 2}, parameter_validation=False),
        )

    def put(self, account: str, region: str, port: int, group: str, stream: str, lines: list[tuple[int, str]]) -> None:
        with self._pending_lock:
            if self._pending + len(lines) > MAX_PENDING_LINES:
                self._dropped += len(lines)
                return
            self._pending += len(lines)
        self._queue.put((account, region, port, group, stream, lines))

    def flush(self, timeout: float = 5.0) -> None:
        done = threading.Event()
        self._queue.put(("flush", done))
        self._hurry.set()
        done.wait(timeout)

    def stop(self) -> None:
        self._queue.put(None)
        self._hurry.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        """Batch: whatever queued up while the last delivery ran goes out as one
        PutLogEvents per stream, so logging costs little under load."""
        while True:
            items = [self._queue.get()]
            self._hurry.wait(BATCH_SECONDS)
            self._hurry.clear()
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batches: dict[tuple, list] = {}
            flushes, stop = [], False
            for item in items:
                if item is None:
                    stop = True
                elif item[0] == "flush":
                    flushes.append(item[1])
                else:
                    account, region, port, group, stream, lines = item
                    batches.setdefault((account, region, port, group, stream), []).extend(lines)
            with self._pending_lock:
                self._pending -= sum(len(lines) for lines in batches.values())
                dropped, self._dropped = self._dropped, 0
            if dropped:
                log.warning("function logs arrive faster than CloudWatch Logs takes them: %d lines dropped", dropped)
            for key, lines in batches.items():
                # Bounded calls, paced: one large delivery would hold the gateway's
                # interpreter long enough to show in invoke latencies.
                for start in range(0, len(lines), DELIVERY_EVENTS):
                    try:
                        self._deliver(*key, lines[start:start + DELIVERY_EVENTS])
                    except Exception as error:  # noqa: BLE001 - logs must never break invocations
                        log.debug("could not deliver function logs: %s", error)
                    time.sleep(DELIVERY_PAUSE_SECONDS)
            for done in flushes:
                done.set()
            if stop:
                return

    def _deliver(self, account: str, region: str, port: int, group: str, stream: str, lines: list) -> None:
        key = (account, region, port)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._client_factory(account, region, port)
        stream_key = (account, region, group, stream)
        events = [{"timestamp": ts, "message": message} for ts, message in lines]
        if stream_key not in self._known_streams:
            self._create_stream(client, group, stream)
            self._remember(stream_key)
        try:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except client.exceptions.ResourceNotFoundException:  # removed (retention, reset, a user): create again
            self._create_stream(client, group, stream)
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)

    @staticmethod
    def _create_stream(client: Any, group: str, stream: str) -> None:
        for call, kwargs in (
            (client.create_log_group, {"logGroupName": group}),
            (client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            try:
                call(**kwargs)
            except client.exceptions.ResourceAlreadyExistsException:
                pass

    def _remember(self, stream_key: tuple[str, str, str, str]) -> None:
        self._known_streams[stream_key] = None
        if len(self._known_streams) > KNOWN_STREAMS:
            self._known_streams.popitem(last=False)
