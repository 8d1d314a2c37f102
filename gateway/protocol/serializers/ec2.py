"""The ``ec2`` protocol: query-style XML with EC2's own envelope.

    <DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>...</requestId>...members...
    </DescribeRegionsResponse>

No result wrapper; errors are ``<Response><Errors><Error><Code/><Message/></Error>
</Errors><RequestID/></Response>``.
"""

from __future__ import annotations

from botocore.model import OperationModel, ServiceModel
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from .base import ErrorInfo
from .query import QuerySerializer, _Plan
from .values import xml_attr, xml_bytes, xml_text

_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


class EC2Serializer(QuerySerializer):
    CONTENT_TYPE = "text/xml;charset=UTF-8"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        namespace = service.metadata.get("xmlNamespace") or (
            f"http://ec2.amazonaws.com/doc/{service.metadata.get('apiVersion', '')}/"
        )
        if isinstance(namespace, dict):
            namespace = namespace.get("uri", "")
        self._xmlns = f' xmlns="{xml_attr(namespace)}"'

    def _serialize(self, plan: _Plan, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
        out = [_PROLOG, f"<{plan.root}{self._xmlns}><requestId>{xml_text(request_id)}</requestId>"]
        if plan.struct is not None:
            plan.struct.write_members(out, result)
        out.append(f"</{plan.root}>")
        headers = Headers()
        headers[self.REQUEST_ID_HEADER] = request_id
        return self._response(200, headers, xml_bytes(out), self.CONTENT_TYPE)

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
        out = [_PROLOG, "<Response><Errors><Error>"]
        self._error_details(out, info, message, members)
        out.append(f"</Error></Errors><RequestID>{xml_text(request_id)}</RequestID></Response>")
        headers[self.REQUEST_ID_HEADER] = request_id
        return self._response(status, headers, xml_bytes(out), self.CONTENT_TYPE)
