"""The Lambda Telemetry API (``2022-07-01``) of one execution environment:
subscriptions, buffering, and delivery to each subscriber's HTTP listener.

- ``PUT /2022-07-01/telemetry`` (``subscribe``): ``schemaVersion``,
  ``types`` (``platform``, ``function``, ``extension``), ``buffering``
  (``maxItems`` 1,000-10,000, default 10,000; ``maxBytes`` 262,144-1,048,576,
  default 262,144; ``timeoutMs`` 25-30,000, default 1,000: AWS's Telemetry API
  page) and an ``HTTP`` ``destination``. Lambda only delivers inside the
  execution environment: the URI's host must be ``sandbox.localdomain`` (or
  ``sandbox``, ``localhost``, ``127.0.0.1``), and is reached where the
  environment's processes listen (loopback for the sandbox and process
  executors, whose network is the host's).
- Events are ``{"time", "type", "record"}`` in AWS's schema
  (``platform.initStart``... ``platform.report``, ``function`` and
  ``extension`` lines), POSTed as a JSON array once a subscriber's buffer
  holds ``maxItems`` events or ``maxBytes`` bytes, or its oldest event waited
  ``timeoutMs``; a failed delivery is retried with backoff.
- Events of the Init phase are kept until init ends, so that a subscription
  made during init receives them from ``platform.initStart`` on, as on AWS.
- ``TCP`` destinations are refused (``ValidationError``): the README says so.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import urlsplit

log = logging.getLogger("lambda.telemetry")

SCHEMA_VERSIONS = ("2022-07-01", "2022-12-13", "2025-01-29")
TYPES = ("platform", "function", "extension")
LIMITS = {"maxItems": (1000, 10_000, 10_000), "maxBytes": (262_144, 1_048_576, 262_144),
          "timeoutMs": (25, 30_000, 1_000)}  # (minimum, maximum, default)
LOCAL_HOSTS = ("sandbox.localdomain", "sandbox", "localhost", "127.0.0.1")
RESERVED_PORT = 9001  # AWS keeps it for the Runtime API
DELIVERY_ATTEMPTS = 5
INIT_BACKLOG_EVENTS = 10_000


class TelemetryValidationError(Exception):
    """A subscription AWS refuses: ``400`` ``ValidationError``."""


def now_iso() -> str:
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Subscription:
    name: str  # the extension's
    types: frozenset[str]
    max_items: int
    max_bytes: int
    timeout_ms: int
    host: str
    port: int
    path: str
    buffer: list[bytes] = field(default_factory=list)
    buffered_bytes: int = 0
    oldest: float = 0.0  # time.monotonic() of the oldest buffered event


def parse_subscription(name: str, body: bytes, host: str) -> Subscription:
    """The subscription a request asks for, or AWS's ValidationError (its problems joined by '; ')."""
    try:
        request = json.loads(body or b"")
    except ValueError:
        raise TelemetryValidationError("Invalid JSON in request body") from None
    if not isinstance(request, dict):
        raise TelemetryValidationError("Invalid JSON in request body")
    problems = []
    if request.get("schemaVersion") not in SCHEMA_VERSIONS:
        problems.append(f"schemaVersion should be one of {', '.join(SCHEMA_VERSIONS)}")
    types = request.get("types")
    if not isinstance(types, list) or not types:
        problems.append("types should not be empty")
        types = []
    elif any(kind not in TYPES for kind in types):
        problems.append(f"types should only contain {', '.join(TYPES)}")
    buffering = request.get("buffering") or {}
    values = {}
    if not isinstance(buffering, dict):
        problems.append("buffering should be an object")
        buffering = {}
    for key, (low, high, default) in LIMITS.items():
        value = buffering.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append(f"buffering.{key} should be between {low} and {high}")
            value = default
        values[key] = value
    destination = request.get("destination")
    port, path = 0, "/"
    if not isinstance(destination, dict):
        problems.append("destination should not be empty")
    else:
        if destination.get("protocol") != "HTTP":
            problems.append("destination.protocol should be HTTP (TCP is not supported here)")
        uri = destination.get("URI")
        parts = urlsplit(uri) if isinstance(uri, str) else None
        if parts is None or parts.scheme != "http" or not parts.hostname:
            problems.append("URI should be an http URI")
        else:
            try:
                port = parts.port or 0
            except ValueError:
                port = 0
            if not port:
                problems.append("URI port is not provided")
            elif port == RESERVED_PORT:
                problems.append(f"URI port {RESERVED_PORT} is reserved")
            if parts.hostname not in LOCAL_HOSTS:
                problems.append("URI host should be sandbox.localdomain (Lambda only delivers inside the "
                                "execution environment)")
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if problems:
        raise TelemetryValidationError("; ".join(problems))
    return Subscription(name, frozenset(types), values["maxItems"], values["maxBytes"], values["timeoutMs"],
                        host, port, path)


class Telemetry:
    """One environment's subscribers and their delivery thread (started with the first subscription)."""

    def __init__(self) -> None:
        # Where the environment's processes listen, seen from the gateway: loopback,
        # or the environment's own address on a network of its own (docker).
        self.listener_host = "127.0.0.1"
        self._lock = threading.Condition()
        self._subscriptions: list[Subscription] = []
        self._backlog: Optional[list[tuple[str, bytes]]] = []  # Init's events until init ends
        self._thread: Optional[threading.Thread] = None
        self._closed = False

    @property
    def active(self) -> bool:
        return bool(self._subscriptions) or self._backlog is not None

    def subscribe(self, name: str, body: bytes) -> None:
        subscription = parse_subscription(name, body, self.listener_host)
        with self._lock:
            self._subscriptions = [s for s in self._subscriptions if s.name != name] + [subscription]
            for kind, event in self._backlog or []:
                self._add(subscription, kind, event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._deliver_loop, name="telemetry", daemon=True)
                self._thread.start()
        self.platform("platform.telemetrySubscription",
                      {"name": name, "state": "Subscribed", "types": [t for t in TYPES if t in subscription.types]})

    def init_ended(self) -> None:
        with self._lock:
            self._backlog = None

    # Events -------------------------------------------------------------------------------------
    def platform(self, kind: str, record: dict[str, Any]) -> None:
        self._emit("platform", kind, record)

    def function_line(self, text: Any) -> None:
        self._emit("function", "function", text)

    def extension_line(self, text: str) -> None:
        self._emit("extension", "extension", text)

    def _emit(self, category: str, kind: str, record: Any) -> None:
        if not self._subscriptions and self._backlog is None:
            return
        event = json.dumps({"time": now_iso(), "type": kind, "record": record}, separators=(",", ":")).encode()
        with self._lock:
            if self._backlog is not None and len(self._backlog) < INIT_BACKLOG_EVENTS:
                self._backlog.append((category, event))
            for subscription in self._subscriptions:
                if category in subscription.types:
                    self._add(subscription, category, event)

    def _add(self, subscription: Subscription, category: str, event: bytes) -> None:
        if category not in subscription.types:
            return
        first = not subscription.buffer
        if first:
            subscription.oldest = time.monotonic()
        subscription.buffer.append(event)
        subscription.buffered_bytes += len(event)
        if first or len(subscription.buffer) >= subscription.max_items \
                or subscription.buffered_bytes >= subscription.max_bytes:
            self._lock.notify_all()  # the delivery thread's next deadline changed

    def flush(self, timeout: float = 1.0) -> None:
        """Deliver what is buffered now (the environment is shutting down)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            for subscription in self._subscriptions:
                if subscription.buffer:
                    subscription.oldest = 0.0  # due at once
            self._lock.notify_all()
            while any(s.buffer for s in self._subscriptions) and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._lock.wait(remaining)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    # Delivery -----------------------------------------------------------------------------------
    def _due(self) -> tuple[list[tuple[Subscription, list[bytes]]], float]:
        """Batches due now, and how long until the next one may be."""
        now = time.monotonic()
        due, wait = [], 3600.0
        for subscription in self._subscriptions:
            if not subscription.buffer:
                continue
            ready_at = subscription.oldest + subscription.timeout_ms / 1000
            full = (len(subscription.buffer) >= subscription.max_items
                    or subscription.buffered_bytes >= subscription.max_bytes)
            if full or ready_at <= now:
                batch = subscription.buffer[:subscription.max_items]
                subscription.buffer = subscription.buffer[len(batch):]
                subscription.buffered_bytes = sum(len(event) for event in subscription.buffer)
                subscription.oldest = now
                due.append((subscription, batch))
            else:
                wait = min(wait, ready_at - now)
        return due, wait

    def _deliver_loop(self) -> None:
        while True:
            with self._lock:
                due, wait = self._due()
                while not due and not self._closed:
                    self._lock.wait(wait)
                    due, wait = self._due()
                if not due and self._closed:
                    return
            for subscription, batch in due:
                self._post(subscription, b"[" + b",".join(batch) + b"]")
            with self._lock:
                self._lock.notify_all()  # flush() waits for empty buffers

    def _post(self, subscription: Subscription, body: bytes) -> None:
        pause = 0.05
        for attempt in range(DELIVERY_ATTEMPTS):
            connection = http.client.HTTPConnection(subscription.host, subscription.port, timeout=5)
            try:
                connection.request("POST", subscription.path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status < 300:
                    return
            except OSError as error:
                log.debug("telemetry delivery to %s failed: %s", subscription.name, error)
            finally:
                connection.close()
            if self._closed or attempt == DELIVERY_ATTEMPTS - 1:
                break
            time.sleep(pause)
            pause *= 2
        log.debug("telemetry for %s dropped after %d attempts", subscription.name, DELIVERY_ATTEMPTS)
