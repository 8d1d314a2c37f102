"""A small Debug Adapter Protocol client, as an IDE speaks to debugpy's adapter.

DAP messages are JSON bodies framed by a ``Content-Length`` header. Responses are
matched to requests by ``request_seq``; events are queued. Only what the tests
need: initialize, attach, setBreakpoints, configurationDone, stackTrace, scopes,
variables, continue, disconnect (https://microsoft.github.io/debug-adapter-protocol/).
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from typing import Any, Optional


PROXY_CLOSE_SECONDS = 0.2  # a forwarding proxy closes at once when nothing listens behind it


class DapError(Exception):
    pass


class DapClient:
    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.sock = _connect(host, port, timeout)
        self.timeout = timeout
        self._seq = 0
        self._lock = threading.Lock()
        self._responses: dict[int, "queue.Queue[dict]"] = {}
        self.events: "queue.Queue[dict]" = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="dap-reader", daemon=True)
        self._reader.start()

    # Protocol --------------------------------------------------------------------------
    def send(self, command: str, **arguments: Any) -> "queue.Queue[dict]":
        """Send a request; returns where its response will arrive."""
        with self._lock:
            self._seq += 1
            seq = self._seq
            answer: "queue.Queue[dict]" = queue.Queue()
            self._responses[seq] = answer
        body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return answer

    def request(self, command: str, **arguments: Any) -> dict:
        return self.wait_response(self.send(command, **arguments))

    def wait_response(self, answer: "queue.Queue[dict]") -> dict:
        try:
            response = answer.get(timeout=self.timeout)
        except queue.Empty:
            raise DapError("no response in time") from None
        if not response.get("success"):
            raise DapError(f"{response.get('command')}: {response.get('message')} {response.get('body')}")
        return response.get("body") or {}

    def wait_event(self, name: str, timeout: Optional[float] = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DapError(f"no {name!r} event in time")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.get("event") == name:
                return event.get("body") or {}

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def _read(self) -> None:
        stream = self.sock.makefile("rb")
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                message = json.loads(stream.read(length))
                if message.get("type") == "response":
                    with self._lock:
                        answer = self._responses.pop(message.get("request_seq"), None)
                    if answer is not None:
                        answer.put(message)
                elif message.get("type") == "event":
                    self.events.put(message)
        except (OSError, ValueError):
            return

    # What an IDE does ----------------------------------------------------------------
    def attach(self, breakpoints: dict[str, list[int]], path_mappings: Optional[list[dict]] = None) -> None:
        """initialize, attach, breakpoints, configurationDone, as VS Code does."""
        self.request("initialize", clientID="tests", adapterID="debugpy", pathFormat="path", linesStartAt1=True,
                     columnsStartAt1=True, supportsVariableType=True)
        attach = self.send("attach", justMyCode=False, **({"pathMappings": path_mappings} if path_mappings else {}))
        self.wait_event("initialized")
        for path, lines in breakpoints.items():
            body = self.request("setBreakpoints", source={"path": path},
                                breakpoints=[{"line": line} for line in lines])
            if not all(breakpoint.get("verified", True) for breakpoint in body.get("breakpoints", [])):
                raise DapError(f"breakpoints not verified: {body}")
        self.request("configurationDone")
        self.wait_response(attach)

    def top_frame_locals(self, thread_id: int) -> dict[str, str]:
        frames = self.request("stackTrace", threadId=thread_id, startFrame=0, levels=1)["stackFrames"]
        scopes = self.request("scopes", frameId=frames[0]["id"])["scopes"]
        variables = self.request("variables", variablesReference=scopes[0]["variablesReference"])["variables"]
        return {variable["name"]: variable["value"] for variable in variables}

    def top_frame(self, thread_id: int) -> dict:
        return self.request("stackTrace", threadId=thread_id, startFrame=0, levels=1)["stackFrames"][0]


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    """Connect once the debugger listens (the environment is starting). A port
    Docker publishes accepts as soon as the container starts and closes the
    connection at once while nothing listens inside yet: such a connection is
    dropped and tried again (debugpy's adapter never speaks first, so a
    connection that stays open and silent is the debugger's)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.settimeout(PROXY_CLOSE_SECONDS)
            try:
                closed = sock.recv(1, socket.MSG_PEEK) == b""
            except socket.timeout:
                closed = False
            if not closed:
                sock.settimeout(timeout)
                return sock
            sock.close()
            raise ConnectionResetError("closed before the debugger answered")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
