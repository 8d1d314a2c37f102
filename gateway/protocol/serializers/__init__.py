"""Server-side response serializers, one class per AWS protocol, driven by the
service's botocore model.

``create_serializer(service_model)`` returns the serializer for the model's
protocol; its ``serialize_response(operation, result, request_id)`` and
``serialize_error(error, operation, request_id)`` return ``HttpResponse`` objects
that botocore's own client-side parsers read back into ``result`` / the error.
"""

from __future__ import annotations

from botocore.model import ServiceModel
from botocore.utils import PRIORITY_ORDERED_SUPPORTED_PROTOCOLS

from .base import ResponseSerializer
from .ec2 import EC2Serializer
from .eventstream import encode_event_stream_message
from .json import JSONSerializer
from .query import QuerySerializer
from .rest_json import RestJSONSerializer
from .rest_xml import RestXMLSerializer

SERIALIZERS: dict[str, type[ResponseSerializer]] = {
    "json": JSONSerializer,
    "rest-json": RestJSONSerializer,
    "query": QuerySerializer,
    "rest-xml": RestXMLSerializer,
    "ec2": EC2Serializer,
}


def default_protocol(service: ServiceModel) -> str | None:
    """The protocol botocore clients speak to ``service``: the first of the model's
    ``protocols`` in botocore's priority order that we serve, else ``protocol``."""
    protocols = service.metadata.get("protocols") or ()
    for protocol in PRIORITY_ORDERED_SUPPORTED_PROTOCOLS:
        if protocol in protocols and protocol in SERIALIZERS:
            return protocol
    return service.metadata.get("protocol")


def create_serializer(service: ServiceModel, protocol: str | None = None) -> ResponseSerializer:
    """The serializer for ``service`` (build once per service, share freely).

    ``protocol`` picks one of a multi-protocol service's ``protocols`` (answer in the
    protocol the request came in); by default, the one botocore clients use."""
    protocol = protocol or default_protocol(service)
    serializer = SERIALIZERS.get(protocol)
    if serializer is None:
        name = service.metadata.get("serviceId") or service.metadata.get("endpointPrefix")
        raise ValueError(f"unsupported protocol {protocol!r} for service {name}")
    return serializer(service)


__all__ = [
    "EC2Serializer",
    "JSONSerializer",
    "QuerySerializer",
    "ResponseSerializer",
    "RestJSONSerializer",
    "RestXMLSerializer",
    "SERIALIZERS",
    "create_serializer",
    "default_protocol",
    "encode_event_stream_message",
]
