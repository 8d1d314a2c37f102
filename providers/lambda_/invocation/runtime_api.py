"""The Lambda Runtime API (``2018-06-01``) of one execution environment.

Thin routes over ``ExecutionEnvironment``; each environment listens on its own
loopback port, given to the runtime as ``AWS_LAMBDA_RUNTIME_API``. Responses
leave in one write on a ``TCP_NODELAY`` socket (gateway.server).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
from typing import Callable, Optional

from werkzeug.datastructures import Headers

from gateway.http import HttpRequest, HttpResponse
from gateway.server import HttpServer, ServerLimits

from . import extensions_api
from .environment import EnvironmentStopped, ExecutionEnvironment, error_payload

log = logging.getLogger("lambda.runtime_api")

_PREFIX = "/2018-06-01/runtime"
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
_ACCEPTED = b'{"status":"OK"}'
# The peers are the environment's own processes, a few connections each, and
# ``GET .../invocation/next`` waits while the environment idles (up to
# LAMBDA_KEEPALIVE_MS): each connection has its own thread and no deadline (the
# environment's own timeouts end a runtime that hangs). Bodies stay in memory:
# a response is at most 20 MiB and is needed whole.
_LIMITS = ServerLimits(
    max_body_bytes=20 * 1024 * 1024, spool_body_bytes=20 * 1024 * 1024,
    header_timeout=None, body_timeout=None, idle_timeout=None,
)


def _json(status: int, body: bytes, extra: Optional[dict[str, str]] = None) -> HttpResponse:
    headers = Headers({"Content-Type": "application/json"})
    for name, value in (extra or {}).items():
        headers[name] = value
    return HttpResponse(status, headers, body)


def _error(status: int, error_type: str, message: str) -> HttpResponse:
    return _json(status, json.dumps({"errorType": error_type, "errorMessage": message}).encode())


def _is_streamed(method: str, path: str, headers) -> bool:
    return method == "POST" and headers.get("Lambda-Runtime-Function-Response-Mode", "").lower() == "streaming"


class RuntimeApiServer:
    def __init__(self, environment: ExecutionEnvironment, host: str = "127.0.0.1",
                 accepts_peer: Optional[Callable[[socket.socket], bool]] = None) -> None:
        """``accepts_peer(connection)``: whether a connection comes from the
        environment itself (any other is closed before a byte is read)."""
        self.environment = environment
        self._server = HttpServer(
            host, 0, self.handle, _LIMITS, stream_request=_is_streamed, on_refused=self._refused,
            accept_filter=accepts_peer, thread_per_connection=True, max_connections=48,
        )
        self.address = f"{host}:{self._server.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def _refused(self, method: str, path: str, headers, status: int) -> None:
        """A response body too large to even read still ends its invocation as AWS ends it."""
        match = _INVOCATION.match(path)
        if method == "POST" and status == 413 and match and match.group(2) == "response":
            self.environment.post_response_too_large(match.group(1))
            self.environment.stop()  # the runtime client does not survive the refusal

    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        env = self.environment
        if request.method == "GET" and path == f"{_PREFIX}/invocation/next":
            try:
                invocation = env.next_invocation()
            except EnvironmentStopped:
                return _error(410, "EnvironmentStopped", "the execution environment is shutting down")
            headers = {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            }
            if invocation.client_context:
                try:
                    headers["Lambda-Runtime-Client-Context"] = base64.b64decode(invocation.client_context).decode()
                except (ValueError, UnicodeDecodeError):
                    pass
            if invocation.cognito_identity:
                headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
            return _json(200, invocation.payload, headers)
        if request.method == "POST":
            match = _INVOCATION.match(path)
            if match:
                request_id, kind = match.groups()
                if kind == "response" and request.stream is not None:
                    content_type = request.headers.get("Content-Type", "application/octet-stream")
                    accepted = env.post_response_stream(request_id, content_type, request.stream, request.trailers)
                elif kind == "response":
                    accepted = env.post_response(request_id, request.body)
                else:
                    accepted = env.post_error(request_id, request.body)
                if not accepted:
                    return _error(400, "InvalidRequestID", f"Invalid request ID: {request_id}")
                return _json(202, _ACCEPTED)
            if path == f"{_PREFIX}/init/error":
                env.post_init_error(request.body)
                return _json(202, _ACCEPTED)
        if extensions_api.handles(path):  # the Extensions and Telemetry APIs (extensions_api.py)
            answer = extensions_api.handle(
                request, env.extensions, env.telemetry, env.init_timeout_seconds,
                on_init_failure=lambda kind, message: env.post_init_error(error_payload(kind, message)))
            if answer is not None:
                return answer
        return _error(404, "NotFound", f"{request.method} {path} is not part of the Runtime API")
