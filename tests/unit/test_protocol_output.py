"""Conformance of our serializers with botocore's output protocol tests.

Each case of ``output/<protocol>.json`` (botocore's ``tests/unit/protocols``) gives
an operation model, the ``result`` a client parses and an example response. We
serialize the ``result`` (or the case's error) with our serializer, parse OUR
response with botocore's client-side parser and compare with the case, normalized
as botocore's own ``test_protocols.py`` does (no ``ResponseMetadata``, blobs as
text, timestamps as epoch seconds).

The cases come from the sdist of the installed botocore, cached on first use
(``tests/support/protocol_data.py``; ``$PROTOCOL_TESTS_DIR`` overrides).
"""

from __future__ import annotations

import calendar
import copy
import json
import math
from typing import Any, Iterator

import pytest
from botocore.awsrequest import HeadersDict
from botocore.eventstream import EventStream
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import PROTOCOL_PARSERS
from botocore.utils import parse_timestamp
from dateutil.tz import tzutc

from gateway.errors import ServiceError
from gateway.protocol.serializers import create_serializer
from tests.support.protocol_data import UNSERVED_PROTOCOLS, protocol_tests_dir


DATA_DIR = protocol_tests_dir()

# Cases botocore's client parser cannot read back whatever a server sends. Keyed by
# case id. Every other case runs, including the rest of botocore's ignore-list.
_QUERY_EMPTY_MESSAGE = (
    "botocore's query/ec2 error parser gives no Message default: an error without a "
    "message parses without 'Message', the case expects '' (botocore ignore-lists it too)"
)
_SHARED_FLAT_NAME = (
    "two flattened lists share the element name 'item'; botocore's XML parser cannot "
    "tell them apart (botocore ignore-lists it too)"
)
_HEADER_LIST_SPLIT = (
    "botocore splits header lists on every comma: RFC 7230 quoted strings and HTTP "
    "dates (which contain commas) cannot round-trip (botocore ignore-lists it too)"
)
_ABSENT_RAW_PAYLOAD = (
    "botocore always yields a blob payload member (an empty body parses as b''), so "
    "an absent payload cannot round-trip (botocore ignore-lists it too)"
)
_UNSET_UNION = (
    "an unset union payload: botocore requires exactly one member set in a union "
    "body (botocore ignore-lists it too)"
)
SKIPS: dict[str, str] = {
    "Ec2ComplexError": _QUERY_EMPTY_MESSAGE,
    "QueryComplexError": _QUERY_EMPTY_MESSAGE,
    "Ec2XmlLists": _SHARED_FLAT_NAME,
    "QueryXmlLists": _SHARED_FLAT_NAME,
    "XmlLists": _SHARED_FLAT_NAME,
    "RestJsonInputAndOutputWithQuotedStringHeaders": _HEADER_LIST_SPLIT,
    "RestJsonInputAndOutputWithTimestampHeaders": _HEADER_LIST_SPLIT,
    "InputAndOutputWithTimestampHeaders": _HEADER_LIST_SPLIT,
    "RestJsonHttpPayloadTraitsWithNoBlobBody": _ABSENT_RAW_PAYLOAD,
    "HttpPayloadTraitsWithNoBlobBody": _ABSENT_RAW_PAYLOAD,
    "RestJsonHttpPayloadWithUnsetUnion": _UNSET_UNION,
    "RestXmlHttpPayloadWithUnsetUnion": _UNSET_UNION,
    "HttpPrefixHeadersResponse": (
        "an httpPrefixHeaders map with prefix '' collects every response header, and "
        "ours always carry Content-Type, Content-Length and the request id"
    ),
}


def _cases() -> Iterator[Any]:
    seen: set[str] = set()
    for path in sorted((DATA_DIR / "output").glob("*.json")):
        for suite in json.loads(path.read_text()):
            for index, case in enumerate(suite["cases"]):
                case_id = f"{path.stem}:{case.get('id') or suite['description'] + ' ' + str(index)}"
                while case_id in seen:
                    case_id += "'"
                seen.add(case_id)
                yield pytest.param(suite, case, id=case_id)


def _timestamp(value: Any) -> int | float:
    moment = parse_timestamp(value).astimezone(tzutc())
    seconds = calendar.timegm(moment.timetuple())
    millis = moment.microsecond // 1000
    return seconds + millis / 1000 if millis else seconds


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, EventStream):
        return [_normalize(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return value


class _RawStream:
    def __init__(self, chunks: Any) -> None:
        self._chunks = chunks

    def stream(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        pass


def _to_botocore(response: Any, operation: OperationModel) -> dict:
    headers = HeadersDict()
    for name, value in response.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if response.streaming:
        body: Any = _RawStream(response.iter_body())
        if not operation.has_event_stream_output:
            body = b"".join(body.stream())
    else:
        body = bytes(response.body)
    return {
        "status_code": response.status,
        "headers": headers,
        "body": body,
        "context": {"operation_name": operation.name},
    }


def _error_shape(service: ServiceModel, code: str) -> Any:
    for shape in service.error_shapes:
        if code in (shape.name, shape.metadata.get("error", {}).get("code")):
            return shape
    return None


@pytest.mark.parametrize("suite, case", list(_cases()))
def test_output_case(suite: dict, case: dict) -> None:
    if case["id"] in SKIPS:
        pytest.skip(SKIPS[case["id"]])
    if suite["metadata"]["protocol"] in UNSERVED_PROTOCOLS:
        pytest.skip(UNSERVED_PROTOCOLS[suite["metadata"]["protocol"]])
    description = copy.deepcopy({k: v for k, v in suite.items() if k != "cases"})
    given = copy.deepcopy(case["given"])
    description["operations"] = {given["name"]: given}
    service = ServiceModel(description)
    operation = OperationModel(given, service, given["name"])
    serializer = create_serializer(service)
    protocol = service.metadata["protocol"]
    parser = PROTOCOL_PARSERS[protocol](timestamp_parser=_timestamp)

    if "error" in case:
        code = case.get("errorCode", "")
        shape = _error_shape(service, code)
        members = copy.deepcopy(case["error"])
        # ServiceError takes the message positionally; a lowercase `message` member
        # is what the serializer writes it as.
        message = members.pop("message", None) or case.get("errorMessage", "")
        error = ServiceError(shape.name if shape else code, message, **members)
        response = serializer.serialize_error(error, operation, "request-id")
        raw = _to_botocore(response, operation)
        parsed = parser.parse(raw, operation.output_shape)
        found = _error_shape(service, parsed["Error"].get("QueryErrorCode") or parsed["Error"]["Code"])
        if found is not None:
            parsed.update(parser.parse(raw, found))
        parsed["Error"] = {k: v for k, v in parsed["Error"].items() if k in ("Code", "Message")}
        expected = {"Error": {"Code": code, "Message": case.get("errorMessage", "")}, **case["error"]}
    else:
        response = serializer.serialize_response(operation, copy.deepcopy(case["result"]), "request-id")
        parsed = parser.parse(_to_botocore(response, operation), operation.output_shape)
        expected = case["result"]
    parsed.pop("ResponseMetadata", None)
    assert _normalize(parsed) == _normalize(expected), _describe(response)


def _describe(response: Any) -> str:
    body = response.body if isinstance(response.body, bytes) else b"<stream>"
    return f"status={response.status} headers={dict(response.headers)} body={body[:2000]!r}"
