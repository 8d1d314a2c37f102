"""Capture the exact HTTP request a real boto3 client sends, without a server.

``capture("lambda", "get_function", FunctionName="f")`` returns a gateway
``HttpRequest`` built from botocore's prepared request (signed, serialized).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from werkzeug.datastructures import Headers

from gateway.http import HttpRequest


class _Captured(Exception):
    def __init__(self, request) -> None:
        self.request = request


def _raise_captured(request, **_kwargs):
    raise _Captured(request)


def capture(
    service: str,
    operation: str,
    endpoint_url: str = "http://localhost:4566",
    region: str = "us-east-1",
    access_key: str = "test",
    client_config: Config | None = None,
    **params: Any,
) -> HttpRequest:
    client = boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
        config=client_config or Config(retries={"max_attempts": 0}),
    )
    client.meta.events.register_first("before-send.*", _raise_captured)
    try:
        getattr(client, operation)(**params)
    except _Captured as captured:
        prepared = captured.request
    else:  # pragma: no cover
        raise AssertionError("request was not captured")
    return http_request_from(prepared, add_host=True)


def http_request_from(prepared: Any, add_host: bool = False) -> HttpRequest:
    """A gateway ``HttpRequest`` from botocore's prepared request."""
    url = urlsplit(prepared.url)
    headers = Headers()
    for name, value in prepared.headers.items():
        headers.add(name, value.decode("latin-1") if isinstance(value, bytes) else value)
    if add_host and "Host" not in headers:
        headers["Host"] = url.netloc
    body = prepared.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(
        method=prepared.method,
        path=url.path or "/",
        query_string=url.query,
        headers=headers,
        body=body or b"",
    )


__all__ = ["capture", "http_request_from", "AWSResponse"]
