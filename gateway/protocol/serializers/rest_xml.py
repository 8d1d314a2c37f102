"""The ``rest-xml`` protocol (S3, Route 53, CloudFront).

The body's root element is the payload member's (or output shape's)
``locationName``, else its shape name, carrying its ``xmlNamespace`` or the
service's. Errors: S3 answers ``<Error><Code/><Message/>...<RequestId/></Error>``;
the other rest-xml services wrap that in ``<ErrorResponse>`` with a ``<Type>``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from botocore.model import ServiceModel, Shape
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from .base import ErrorInfo
from .rest import RestSerializer
from .values import xml_attr, xml_bytes, xml_text
from .xmlshapes import XmlEncoder, write_loose

_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


class RestXMLSerializer(RestSerializer):
    CONTENT_TYPE = "text/xml"
    REQUEST_ID_HEADER = "x-amz-request-id"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._xml = XmlEncoder("member")
        prefix = service.metadata.get("endpointPrefix")
        self._s3_errors = prefix == "s3"
        if self._s3_errors:
            self.CONTENT_TYPE = "application/xml"
        self._xmlns = self._default_namespace(service, prefix)

    @staticmethod
    def _default_namespace(service: ServiceModel, prefix: Optional[str]) -> str:
        namespace = service.metadata.get("xmlNamespace")
        if isinstance(namespace, dict):
            namespace = namespace.get("uri")
        if not namespace and prefix:
            scheme = "http" if prefix == "s3" else "https"
            namespace = f"{scheme}://{prefix}.amazonaws.com/doc/{service.metadata.get('apiVersion', '')}/"
        return f' xmlns="{xml_attr(namespace)}"' if namespace else ""

    def _struct_bytes(self, shape: Shape, exclude: frozenset) -> Callable[[Any], bytes]:
        root = shape.serialization.get("name") or shape.name
        if shape.type_name != "structure":
            writer = self._xml.writer(shape)

            def encode_other(value: Any) -> bytes:
                out = [_PROLOG]
                writer(out, root, value)
                return xml_bytes(out)

            return encode_other
        struct = self._xml.structure(shape, exclude, ns=self._xmlns)

        def encode(value: Any) -> bytes:
            out = [_PROLOG]
            struct.write(out, root, value)
            return xml_bytes(out)

        return encode

    def _prepare_error(self, info: ErrorInfo) -> None:
        exclude = frozenset(m for m, _, _ in info.header_members)
        if info.message_member:
            exclude |= {info.message_member}
        info.cache["xml"] = self._xml.structure(info.shape, exclude)

    def _serialize_error(
        self,
        info: ErrorInfo,
        status: int,
        sender_fault: bool,
        message: str,
        members: dict,
        headers: Headers,
        request_id: str,
    ) -> HttpResponse:
        out = [_PROLOG]
        if self._s3_errors:
            out.append("<Error>")
        else:
            out.append(f"<ErrorResponse{self._xmlns}><Error><Type>{'Sender' if sender_fault else 'Receiver'}</Type>")
        out.append(f"<Code>{xml_text(info.code)}</Code>")
        if message:
            out.append(f"<Message>{xml_text(message)}</Message>")
        struct = info.cache.get("xml")
        if struct is not None:
            struct.write_members(out, members)
            members = {k: v for k, v in members.items() if k not in info.shape.members}
        write_loose(out, members)
        if self._s3_errors:
            out.append(f"<RequestId>{xml_text(request_id)}</RequestId></Error>")
        else:
            out.append(f"</Error><RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>")
        headers[self.REQUEST_ID_HEADER] = request_id
        return self._response(status, headers, xml_bytes(out), self.CONTENT_TYPE)

