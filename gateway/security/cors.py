"""The CORS answers an allowed origin gets, so browser tools on localhost can use
the AWS SDK for JavaScript against the gateway.

A preflight from an allowed origin is answered right away (``204``) and allows
the methods and headers AWS clients use; every other response to such an origin
names it in ``Access-Control-Allow-Origin`` (with credentials) and exposes the
headers the SDKs read. With ``DISABLE_CORS_CHECKS=1``, origins that are not on
the allow-list get ``*`` (and no credentials). Headers a response already
carries (a provider's own) are kept.
"""

from __future__ import annotations

import re

from ..http import HttpRequest, HttpResponse

ALLOW_METHODS = "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH"
# Request headers AWS clients send (SigV4, SDK metadata, service-specific ones).
ALLOW_HEADERS = (
    "authorization", "cache-control", "content-length", "content-md5", "content-type", "etag", "location",
    "x-amz-acl", "x-amz-client-context", "x-amz-content-sha256", "x-amz-date", "x-amz-invocation-type",
    "x-amz-log-type", "x-amz-request-id", "x-amz-security-token", "x-amz-tagging", "x-amz-target",
    "x-amz-user-agent", "x-amz-version-id", "x-amzn-requestid", "amz-sdk-invocation-id", "amz-sdk-request",
)
# Response headers the SDKs read (request ids, errors, Lambda's invoke results, S3's versions).
EXPOSE_HEADERS = (
    "etag", "x-amz-version-id", "x-amz-request-id", "x-amz-id-2", "x-amzn-requestid", "x-amzn-errortype",
    "x-amz-log-result", "x-amz-executed-version", "x-amz-function-error",
)
_SPLIT = re.compile(r"[,\s]+")


def _allow_origin(origin: str, listed: bool) -> dict[str, str]:
    if listed:
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
    return {"Access-Control-Allow-Origin": "*"}


def preflight_response(request: HttpRequest, origin: str, listed: bool) -> HttpResponse:
    response = HttpResponse(204)
    headers = response.headers
    for name, value in _allow_origin(origin, listed).items():
        headers[name] = value
    headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
    requested = [h for h in _SPLIT.split(request.headers.get("Access-Control-Request-Headers", "").lower()) if h]
    headers["Access-Control-Allow-Headers"] = ",".join(dict.fromkeys([*requested, *ALLOW_HEADERS]))
    headers["Access-Control-Max-Age"] = "600"
    if request.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
        headers["Access-Control-Allow-Private-Network"] = "true"
    headers["Vary"] = "Origin"
    return response


def decorate(response: HttpResponse, origin: str, listed: bool) -> HttpResponse:
    headers = response.headers
    if "Access-Control-Allow-Origin" not in headers:
        for name, value in _allow_origin(origin, listed).items():
            headers[name] = value
    if "Access-Control-Expose-Headers" not in headers:
        headers["Access-Control-Expose-Headers"] = ",".join(EXPOSE_HEADERS)
    vary = headers.get("Vary", "")
    if "origin" not in vary.lower():
        headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
    return response
