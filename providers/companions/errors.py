"""AWS-shaped error responses for failures moto cannot answer itself.

moto answers AWS errors on its own. What reaches us instead is an exception:
``NotImplementedError`` for an action moto lacks, or a moto bug. The client must
still get an error its SDK can parse, in the wire protocol of the request:

- JSON protocols (``X-Amz-Target`` or an ``application/x-amz-json`` body):
  ``{"__type": code, "message": ...}`` plus ``x-amzn-ErrorType``;
- S3 (rest-xml): ``<Error><Code>..</Code><Message>..</Message>..</Error>``;
- query protocol (SQS query, SNS, IAM, STS):
  ``<ErrorResponse><Error><Type>..</Type><Code>..</Code>..</ErrorResponse>``.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape as _escape

from gateway.http import HttpRequest, HttpResponse

#: S3's (and every XML service's) answer for a document that is not well-formed
#: or does not follow the service's schema.
MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"

# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = re.compile("[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML cannot carry (controls, lone surrogates)
    replaced by U+FFFD, so that an echoed client value keeps the document well-formed."""
    return _NOT_XML.sub("\ufffd", text)


def escape(text: str) -> str:
    return _escape(xml_safe(text))


def is_json_request(request: HttpRequest) -> bool:
    content_type = request.headers.get("Content-Type", "")
    return "X-Amz-Target" in request.headers or "json" in content_type


def error_response(
    service: str,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    request_id: str,
) -> HttpResponse:
    response = HttpResponse(status=status)
    response.headers["x-amz-request-id" if service == "s3" else "x-amzn-RequestId"] = request_id
    if service != "s3" and is_json_request(request):
        response.headers["Content-Type"] = request.headers.get("Content-Type") or "application/x-amz-json-1.1"
        response.headers["x-amzn-ErrorType"] = code
        response.body = json.dumps({"__type": code, "message": message}).encode()
        return response
    response.headers["Content-Type"] = "application/xml"
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{escape(request_id)}</RequestId></Error>"
        )
    else:
        fault = "Sender" if status < 500 else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{fault}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        )
    response.body = body.encode()
    return response
