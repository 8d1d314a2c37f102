"""The request event: payload format 2.0, as AWS builds it for function URLs.

Facts (AWS docs "Invoking Lambda function URLs", request payload; events AWS
delivers): header names lower-case, repeated headers comma-joined, the
``Cookie`` header moved to ``cookies``; ``queryStringParameters`` with repeated
keys comma-joined and absent without a query; ``body`` absent without a body,
base64 with ``isBase64Encoded: true`` unless the content is text;
``requestContext.accountId`` is ``anonymous`` for ``AuthType: NONE``;
``authorizer.iam`` only for ``AWS_IAM``; no ``pathParameters``/``stageVariables``.
AWS adds ``x-amzn-trace-id``, the ``x-forwarded-*`` headers and the TLS session's
``x-amzn-tls-version`` / ``x-amzn-tls-cipher-suite``: AWS's URLs are HTTPS only, and
events AWS delivers carry ``TLSv1.3`` / ``TLS_AES_128_GCM_SHA256``, which functions
receive here too (their values, not this endpoint's plain HTTP).
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any, Optional
from urllib.parse import parse_qsl

from gateway.http import HttpRequest

from .address import UrlAddress

# Media types Lambda passes as text; everything else (and text that is not
# UTF-8) arrives base64-encoded.
TEXT_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "application/xhtml+xml",
        "application/graphql",
        "application/yaml",
        "application/x-yaml",
    }
)
# Hop-by-hop headers end at the front end and never reach the function.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"})
# What AWS's front end negotiates with today's clients, as its events record it.
TLS_VERSION = "TLSv1.3"
TLS_CIPHER_SUITE = "TLS_AES_128_GCM_SHA256"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return False
    return media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(("+json", "+xml"))


def encode_body(body: bytes, content_type: str) -> tuple[str, bool]:
    """``(body, isBase64Encoded)`` for the event."""
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def new_trace_root() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


def request_time(epoch: float) -> str:
    """``requestContext.time``: ``12/Mar/2020:19:03:58 +0000`` (locale-independent)."""
    t = time.gmtime(epoch)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def event_headers(request: HttpRequest, trace_header: str) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers with repeats comma-joined, and the cookies taken out of them."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers.items():
        key = name.lower()
        if key in HOP_BY_HOP:
            continue
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    if "transfer-encoding" in request.headers and "content-length" not in headers:
        headers["content-length"] = str(len(request.body))
    headers["x-amzn-tls-cipher-suite"] = TLS_CIPHER_SUITE
    headers["x-amzn-tls-version"] = TLS_VERSION
    headers["x-amzn-trace-id"] = trace_header
    source_ip = request.remote_addr
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {source_ip}" if forwarded else source_ip
    headers["x-forwarded-port"] = str(request.server_port)
    headers["x-forwarded-proto"] = request.scheme
    return headers, cookies


def query_parameters(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def build_event(
    request: HttpRequest,
    address: UrlAddress,
    region: str,
    request_id: str,
    trace_header: str,
    authorizer: Optional[dict[str, Any]] = None,
    caller_account: Optional[str] = None,
    now: Optional[float] = None,
) -> dict[str, Any]:
    """The event for one request. ``authorizer``/``caller_account`` are given for ``AWS_IAM`` URLs."""
    now = time.time() if now is None else now
    headers, cookies = event_headers(request, trace_header)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": address.raw_path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.query_string:
        event["queryStringParameters"] = query_parameters(request.query_string)
    context: dict[str, Any] = {
        "accountId": caller_account if authorizer is not None and caller_account else "anonymous",
        "apiId": address.url_id,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    context.update(
        {
            "domainName": address.domain_for(region),
            "domainPrefix": address.url_id,
            "http": {
                "method": request.method,
                "path": address.raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote_addr,
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": request_time(now),
            "timeEpoch": int(now * 1000),
        }
    )
    event["requestContext"] = context
    if request.body:
        body, encoded = encode_body(request.body, request.headers.get("Content-Type", ""))
        event["body"] = body
        event["isBase64Encoded"] = encoded
    else:
        event["isBase64Encoded"] = False
    return event
