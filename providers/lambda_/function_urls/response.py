"""From a function's result to the HTTP response, as AWS maps it (BUFFERED mode).

Facts (TestLambdaURL::test_lambda_url_invocation[*], ::test_lambda_url_headers_and_status,
::test_lambda_url_invocation_exception, ::test_lambda_url_non_existing_url,
TestLambdaPermissions::test_lambda_permission_url_invocation, AWS docs
"Invoking Lambda function URLs", response payload):

- an object with ``statusCode`` is an HTTP response: ``statusCode`` (a numeric
  string is accepted), ``headers``, ``cookies`` (each its own ``Set-Cookie``),
  ``body``, ``isBase64Encoded``; ``Content-Type`` defaults to ``application/json``;
- any other result (string, number, boolean, list, null, object without
  ``statusCode``) is ``200 application/json`` with the result as compact JSON,
  except a string, which is sent raw;
- an unhandled function error is ``502`` with body ``Internal Server Error``;
- an unknown url-id is ``403 {"Message":null}`` with ``x-amzn-ErrorType: AccessDeniedException``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Optional

from werkzeug.datastructures import Headers

from gateway.errors import ServiceError
from gateway.http import HttpResponse

FORBIDDEN_MESSAGE = (
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
)
# Set by the front end, never taken from the function's headers.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
DEFAULT_CONTENT_TYPE = "application/json"


class InvalidFunctionResponse(ValueError):
    """The function answered an HTTP response object AWS cannot send (AWS: 502)."""


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def json_response(status: int, body: bytes, error_type: Optional[str] = None) -> HttpResponse:
    headers = Headers({"Content-Type": "application/json"})
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return HttpResponse(status, headers, body)


def unknown_url() -> HttpResponse:
    return json_response(403, b'{"Message":null}', "AccessDeniedException")


def forbidden(message: str = FORBIDDEN_MESSAGE, error_type: str = "AccessDeniedException") -> HttpResponse:
    return json_response(403, compact_json({"Message": message}), error_type)


def internal_error() -> HttpResponse:
    return json_response(502, b"Internal Server Error")


def service_error(error: ServiceError) -> HttpResponse:
    """A Lambda API error met on the way (throttling, a function that is not Active, ...)."""
    response = json_response(error.status or 500, compact_json({"Message": error.message}), error.code)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def map_result(payload: bytes) -> HttpResponse:
    """The response for a successful invocation's payload."""
    try:
        result = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(200, Headers({"Content-Type": DEFAULT_CONTENT_TYPE}), payload)
    if isinstance(result, dict) and "statusCode" in result:
        try:
            return http_response(result)
        except InvalidFunctionResponse:
            return internal_error()
    body = result.encode("utf-8") if isinstance(result, str) else compact_json(result)
    return HttpResponse(200, Headers({"Content-Type": DEFAULT_CONTENT_TYPE}), body)


def http_response(result: dict[str, Any], default_content_type: str = DEFAULT_CONTENT_TYPE) -> HttpResponse:
    """An HTTP response object (``statusCode``/``headers``/``cookies``/``body``/``isBase64Encoded``)."""
    status = status_code(result.get("statusCode"))
    headers = response_headers(result.get("headers"), result.get("cookies"))
    if "Content-Type" not in headers:
        headers["Content-Type"] = default_content_type
    return HttpResponse(status, headers, response_body(result.get("body"), result.get("isBase64Encoded")))


def status_code(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidFunctionResponse("statusCode")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not 100 <= value <= 599:
        raise InvalidFunctionResponse("statusCode")
    return value


def header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InvalidFunctionResponse("headers")


def response_headers(headers: Any, cookies: Any = None) -> Headers:
    result = Headers()
    if headers is not None:
        if not isinstance(headers, dict):
            raise InvalidFunctionResponse("headers")
        for name, value in headers.items():
            if name.lower() in FRAMING_HEADERS:
                continue
            result.add(str(name), header_value(value))
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise InvalidFunctionResponse("cookies")
        for cookie in cookies:
            result.add("Set-Cookie", cookie)
    return result


def response_body(body: Any, base64_encoded: Any) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise InvalidFunctionResponse("body")
    if base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidFunctionResponse("body") from None
    return body.encode("utf-8")
