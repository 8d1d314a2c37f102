"""A small Chrome DevTools Protocol client for Node.js's inspector, as an IDE attaches.

The inspector lists its targets at ``http://host:port/json/list``; each has a
``webSocketDebuggerUrl`` speaking CDP: JSON requests ``{"id", "method",
"params"}``, answered by id, and events ``{"method", "params"}``
(https://chromedevtools.github.io/devtools-protocol/v8/Debugger/).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.request
from typing import Any, Optional

import websocket  # websocket-client


class CdpError(Exception):
    pass


class CdpClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.ws = websocket.create_connection(_debugger_url(host, port, timeout), timeout=timeout,
                                              suppress_origin=True)
        self._id = 0
        self._lock = threading.Lock()
        self._responses: dict[int, "queue.Queue[dict]"] = {}
        self.events: "queue.Queue[dict]" = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="cdp-reader", daemon=True)
        self._reader.start()

    def call(self, method: str, **params: Any) -> dict:
        with self._lock:
            self._id += 1
            call_id = self._id
            answer: "queue.Queue[dict]" = queue.Queue()
            self._responses[call_id] = answer
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        try:
            response = answer.get(timeout=self.timeout)
        except queue.Empty:
            raise CdpError(f"no answer to {method} in time") from None
        if "error" in response:
            raise CdpError(f"{method}: {response['error']}")
        return response.get("result") or {}

    def wait_event(self, method: str, timeout: Optional[float] = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CdpError(f"no {method} event in time")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.get("method") == method:
                return event.get("params") or {}

    def close(self) -> None:
        try:
            self.ws.close()
        except (OSError, websocket.WebSocketException):
            pass

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self.ws.recv())
            except (OSError, ValueError, websocket.WebSocketException):
                return
            if "id" in message:
                with self._lock:
                    answer = self._responses.pop(message["id"], None)
                if answer is not None:
                    answer.put(message)
            else:
                self.events.put(message)


def _debugger_url(host: str, port: int, timeout: float) -> str:
    """The first target's WebSocket URL, once the inspector listens."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    while True:
        try:
            with opener.open(f"http://{host}:{port}/json/list", timeout=timeout) as response:
                targets = json.loads(response.read())
            if targets:
                return targets[0]["webSocketDebuggerUrl"]
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise CdpError(f"no inspector target on {host}:{port}")
        time.sleep(0.05)
