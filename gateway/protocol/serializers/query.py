"""The ``query`` protocol (STS, IAM, SNS, ...): XML answers to form-encoded requests.

    <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
      <GetCallerIdentityResult>...members...</GetCallerIdentityResult>
      <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
    </GetCallerIdentityResponse>

The result element is the output's ``resultWrapper``. Errors::

    <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>..</Code>
      <Message>..</Message>...modelled members...</Error><RequestId>..</RequestId></ErrorResponse>
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from botocore.model import OperationModel, ServiceModel
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from .base import ErrorInfo, ResponseSerializer
from .values import xml_attr, xml_bytes, xml_text
from .xmlshapes import XmlEncoder, XmlStructure, write_loose


@dataclass
class _Plan:
    root: str
    wrapper: Optional[str] = None
    struct: Optional[XmlStructure] = None


class QuerySerializer(ResponseSerializer):
    CONTENT_TYPE = "text/xml"
    REQUEST_ID_HEADER = "x-amzn-RequestId"
    LIST_MEMBER = "member"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._xml = XmlEncoder(self.LIST_MEMBER)
        namespace = self._namespace(service)
        self._xmlns = f' xmlns="{xml_attr(namespace)}"' if namespace else ""

    @staticmethod
    def _namespace(service: ServiceModel) -> str:
        """The model's ``xmlNamespace``, else AWS's ``https://<prefix>.amazonaws.com/doc/<version>/``."""
        namespace = service.metadata.get("xmlNamespace")
        if isinstance(namespace, dict):
            namespace = namespace.get("uri")
        if namespace:
            return namespace
        prefix = service.metadata.get("endpointPrefix")
        return f"https://{prefix}.amazonaws.com/doc/{service.metadata.get('apiVersion', '')}/" if prefix else ""

    def _compile_operation(self, operation: OperationModel) -> _Plan:
        shape = operation.output_shape
        plan = _Plan(root=f"{operation.name}Response")
        if shape is not None:
            plan.wrapper = shape.serialization.get("resultWrapper")
            plan.struct = self._xml.structure(shape)
        return plan

    def _serialize(self, plan: _Plan, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
        out = [f"<{plan.root}{self._xmlns}>"]
        if plan.struct is not None:
            if plan.wrapper:
                plan.struct.write(out, plan.wrapper, result)
            else:
                plan.struct.write_members(out, result)
        out.append(f"<ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId></ResponseMetadata></{plan.root}>")
        headers = Headers()
        headers[self.REQUEST_ID_HEADER] = request_id
        return self._response(200, headers, xml_bytes(out), self.CONTENT_TYPE)

    def _prepare_error(self, info: ErrorInfo) -> None:
        exclude = frozenset(m for m, _, _ in info.header_members)
        if info.message_member:
            exclude |= {info.message_member}
        info.cache["xml"] = self._xml.structure(info.shape, exclude)

    def _error_details(self, out: list, info: ErrorInfo, message: str, members: dict) -> None:
        """``<Code>``, ``<Message>`` and the members inside ``<Error>``."""
        out.append(f"<Code>{xml_text(info.code)}</Code>")
        if message:
            out.append(f"<Message>{xml_text(message)}</Message>")
        struct = info.cache.get("xml")
        if struct is None:
            write_loose(out, members)
            return
        struct.write_members(out, members)
        write_loose(out, {k: v for k, v in members.items() if k not in info.shape.members})

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
        out = [f"<ErrorResponse{self._xmlns}><Error><Type>{'Sender' if sender_fault else 'Receiver'}</Type>"]
        self._error_details(out, info, message, members)
        out.append(f"</Error><RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>")
        headers[self.REQUEST_ID_HEADER] = request_id
        return self._response(status, headers, xml_bytes(out), self.CONTENT_TYPE)
