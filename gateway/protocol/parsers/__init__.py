"""Server-side request parsers, one class per AWS protocol, driven by botocore models.

``create_parser(service_model).parse(request) -> (OperationModel, params)``

Build a parser once per service and reuse it: construction compiles the
operation router (rest protocols) or operation tables; per-shape plans are
cached on first use.

Services that list several protocols (``metadata.protocols``, e.g. CloudWatch:
``smithy-rpc-v2-cbor``, ``json``, ``query``) get a parser for each protocol we
speak, chosen per request: ``X-Amz-Target`` means ``json``, an ``Action``
parameter means ``query``.

Errors (all ``ProtocolError``; the gateway serializes code and status):

============  ===========================  ==========================  =====================
protocol      unreadable document          value of the wrong type     no such operation
============  ===========================  ==========================  =====================
json          SerializationException 400   SerializationException 400  UnknownOperationException 400
rest-json     SerializationException 400   SerializationException 400  UnknownOperationException 404
rest-xml      MalformedXML 400             InvalidArgument 400         UnknownOperationException 404
query         MalformedQueryString 404     InvalidParameterValue 400   MissingAction / InvalidAction 400
ec2           InvalidParameterValue 400    InvalidParameterValue 400   MissingAction / InvalidAction 400
============  ===========================  ==========================  =====================

Plus ``RequestEntityTooLarge`` (413) above ``max_document_size`` and
``IncompleteBody`` (400) for a broken ``aws-chunked`` upload. The query codes
follow https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html,
the rest-xml ones S3's error list.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, ServiceModel

from ...http import HttpRequest
from .base import DEFAULT_MAX_DOCUMENT_SIZE, RequestParser
from .ec2 import EC2RequestParser
from .json import JSONRequestParser
from .query import QueryRequestParser
from .rest_json import RestJSONRequestParser
from .rest_xml import RestXMLRequestParser

PARSERS: dict[str, type[RequestParser]] = {
    "json": JSONRequestParser,
    "rest-json": RestJSONRequestParser,
    "rest-xml": RestXMLRequestParser,
    "query": QueryRequestParser,
    "ec2": EC2RequestParser,
}

__all__ = [
    "DEFAULT_MAX_DOCUMENT_SIZE",
    "EC2RequestParser",
    "JSONRequestParser",
    "PARSERS",
    "QueryRequestParser",
    "RequestParser",
    "RestJSONRequestParser",
    "RestXMLRequestParser",
    "create_parser",
]


class MultiProtocolParser(RequestParser):
    """For a service that speaks ``json`` and ``query``: picks per request."""

    def __init__(self, service: ServiceModel, json_parser: RequestParser, query_parser: RequestParser) -> None:
        super().__init__(service)
        self.protocol = json_parser.protocol
        self._json = json_parser
        self._query = query_parser

    def parse(self, request: HttpRequest) -> tuple[OperationModel, dict[str, Any]]:
        if "X-Amz-Target" not in request.headers and (
            "Action=" in request.query_string
            or "x-www-form-urlencoded" in request.headers.get("Content-Type", "")
        ):
            return self._query.parse(request)
        return self._json.parse(request)


def _protocols(service: ServiceModel) -> list[str]:
    listed = service.metadata.get("protocols") or [service.metadata.get("protocol")]
    return [protocol for protocol in listed if protocol in PARSERS]


def create_parser(service: ServiceModel, **kwargs: Any) -> RequestParser:
    """The request parser for ``service``. ``kwargs``: ``max_document_size``.

    Raises ``ValueError`` if the service speaks no protocol we implement
    (e.g. ``smithy-rpc-v2-cbor`` only).
    """
    protocols = _protocols(service)
    if not protocols:
        raise ValueError(
            f"Service {service.service_name!r} uses protocol(s) "
            f"{service.metadata.get('protocols') or service.metadata.get('protocol')}, "
            f"none of which is supported ({', '.join(PARSERS)})"
        )
    if "json" in protocols and "query" in protocols:
        return MultiProtocolParser(
            service, JSONRequestParser(service, **kwargs), QueryRequestParser(service, **kwargs)
        )
    return PARSERS[protocols[0]](service, **kwargs)
