"""``InvokeMode: RESPONSE_STREAM``: the response leaves as the function writes it.

A streaming handler (``awslambda.streamifyResponse``) posts its response to the
Runtime API with ``Lambda-Runtime-Function-Response-Mode: streaming`` and chunked
encoding. ``awslambda.HttpResponseStream.from(stream, metadata)`` first writes a
JSON prelude (``statusCode``, ``headers``, ``cookies``) and 8 NUL bytes, with
Content-Type ``application/vnd.awslambda.http-integration-response``; the
status and headers of the HTTP response come from that prelude, the rest is the
body, relayed with HTTP chunked encoding. Without a prelude the response is
``200`` with the stream's content type. A non-streaming handler's result is sent
as it is (no ``statusCode`` mapping), as AWS does in this mode. A failure before
anything was written is ``502``; after that the status is gone, the stream ends.

The data plane hands a streamed response over as soon as the runtime starts
it: ``InvocationResult.chunks`` iterates the body as the runtime sends it,
``content_type`` is the Content-Type the runtime posted with, and once the
chunks are exhausted ``function_error``/``stream_error`` tell of a failure
reported in the stream's trailers. A ``BUFFERED`` URL on a streaming handler
gets the same mapping, whole.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Iterator, Optional, Protocol

from werkzeug.datastructures import Headers

from gateway.http import HttpResponse

from . import response as mapping

INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
PRELUDE_END = b"\x00" * 8
STREAM_CONTENT_TYPE = "application/octet-stream"
MAX_PRELUDE_BYTES = 64 * 1024


class StreamedResult(Protocol):
    """The fields of ``InvocationResult`` a streamed response uses."""

    payload: bytes
    function_error: Optional[str]
    chunks: Optional[Iterator[bytes]]
    content_type: Optional[str]


def split_prelude(data: bytes) -> tuple[Optional[dict[str, Any]], bytes]:
    """``(prelude, rest)`` when ``data`` starts with a JSON object and 8 NUL bytes."""
    end = data.find(PRELUDE_END)
    if end < 0 or not data.lstrip().startswith(b"{"):
        return None, data
    try:
        prelude = json.loads(data[:end])
    except (ValueError, UnicodeDecodeError):
        return None, data
    if not isinstance(prelude, dict):
        return None, data
    return prelude, data[end + len(PRELUDE_END):]


def prelude_head(prelude: dict[str, Any]) -> tuple[int, Headers]:
    """Status and headers from a prelude; raises ``InvalidFunctionResponse``."""
    status = mapping.status_code(prelude.get("statusCode", 200))
    headers = mapping.response_headers(prelude.get("headers"), prelude.get("cookies"))
    if "Content-Type" not in headers:
        headers["Content-Type"] = STREAM_CONTENT_TYPE
    return status, headers


def from_buffered(payload: bytes, function_error: Optional[str]) -> HttpResponse:
    """A RESPONSE_STREAM answer from a buffered invocation result."""
    if function_error:
        return mapping.internal_error()
    prelude, body = split_prelude(payload)
    if prelude is None:
        return HttpResponse(200, Headers({"Content-Type": _guess_type(payload)}), payload)
    try:
        status, headers = prelude_head(prelude)
    except mapping.InvalidFunctionResponse:
        return mapping.internal_error()
    return HttpResponse(status, headers, body)


def from_result(result: StreamedResult) -> HttpResponse:
    """The RESPONSE_STREAM answer for an invocation result (streamed or not)."""
    if result.chunks is None:
        return from_buffered(result.payload, result.function_error)
    return from_stream(result)


def buffered(result: StreamedResult) -> HttpResponse:
    """The BUFFERED answer for a streaming handler: the same mapping, sent whole."""
    assert result.chunks is not None
    body = b"".join(result.chunks)
    if result.function_error:
        return mapping.internal_error()
    if _is_integration(result.content_type):
        return from_buffered(body, None)
    return HttpResponse(200, Headers({"Content-Type": result.content_type or STREAM_CONTENT_TYPE}), body)


def from_stream(result: StreamedResult) -> HttpResponse:
    """A RESPONSE_STREAM answer relaying ``result.chunks`` chunk by chunk."""
    assert result.chunks is not None
    chunks = result.chunks
    integration = _is_integration(result.content_type)
    # Hold back only what decides the status line: the prelude, or the first bytes.
    held = bytearray()
    for chunk in chunks:
        held += chunk
        if integration and (PRELUDE_END in held or len(held) > MAX_PRELUDE_BYTES):
            break
        if not integration and held:
            break
    if not held and result.function_error:
        return mapping.internal_error()
    status, headers, first = 200, Headers({"Content-Type": result.content_type or STREAM_CONTENT_TYPE}), bytes(held)
    if integration:
        prelude, first = split_prelude(first)
        if prelude is None:
            headers["Content-Type"] = STREAM_CONTENT_TYPE
        else:
            try:
                status, headers = prelude_head(prelude)
            except mapping.InvalidFunctionResponse:
                _drain(chunks)
                return mapping.internal_error()
    return HttpResponse(status, headers, _Relay(chunks, first))


class _Relay:
    """The response body: the held-back bytes, then each chunk as it arrives. When
    the client goes away, the rest is drained so the function runs to its end."""

    def __init__(self, chunks: Iterator[bytes], first: bytes) -> None:
        self._chunks = chunks
        self._first = first
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            first, self._first = self._first, b""
            yield first
        for chunk in self._chunks:
            if chunk:
                yield chunk
        self._done = True

    def close(self) -> None:
        if not self._done:
            self._done = True
            _drain(self._chunks)


def _drain(chunks: Iterator[bytes]) -> None:
    def consume() -> None:
        for _ in chunks:
            pass

    threading.Thread(target=consume, name="function-url-drain", daemon=True).start()


def _is_integration(content_type: Optional[str]) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == INTEGRATION_CONTENT_TYPE


def _guess_type(payload: bytes) -> str:
    try:
        json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return STREAM_CONTENT_TYPE
    return mapping.DEFAULT_CONTENT_TYPE
