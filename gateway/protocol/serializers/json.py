"""The ``json`` protocol (awsJson 1.0 / 1.1): the output structure as the JSON body.

Errors: ``{"__type": "<ShapeName>", "message": "..."}``; services marked
``awsQueryCompatible`` (SQS) also send ``x-amzn-query-error: <query code>;Sender``
so clients map the error to the code the old query protocol used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from botocore.model import OperationModel, ServiceModel
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from . import eventstream
from .base import ErrorInfo, ResponseSerializer
from .jsonshapes import JsonEncoder, compile_error, dumps, error_members


@dataclass
class _Plan:
    encode: Optional[Callable[[Any], dict]] = None
    stream_member: Optional[str] = None
    stream: Optional[eventstream.EventStreamWriter] = None


class JSONSerializer(ResponseSerializer):
    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.CONTENT_TYPE = f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}"
        self._json = JsonEncoder("unixTimestamp")
        self._query_compatible = "awsQueryCompatible" in service.metadata

    def _struct_bytes(self, shape: Any, exclude: frozenset) -> Callable[[Any], bytes]:
        encode = self._json.structure(shape, exclude)
        return lambda value: dumps(encode(value))

    def _compile_operation(self, operation: OperationModel) -> _Plan:
        shape = operation.output_shape
        if shape is None:
            return _Plan()
        stream_member = shape.event_stream_name
        if stream_member:
            writer = eventstream.EventStreamWriter(
                shape.members[stream_member], self._struct_bytes, self.CONTENT_TYPE
            )
            return _Plan(self._json.structure(shape, frozenset((stream_member,))), stream_member, writer)
        return _Plan(self._json.compile(shape))

    def _serialize(self, plan: _Plan, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
        headers = Headers()
        headers[self.REQUEST_ID_HEADER] = request_id
        if plan.stream is not None:
            first = eventstream.initial_response_message(dumps(plan.encode(result)), self.CONTENT_TYPE)
            body = plan.stream.stream(result.get(plan.stream_member) or (), first)
            return self._response(200, headers, body, eventstream.CONTENT_TYPE)
        body = dumps(plan.encode(result)) if plan.encode is not None else b"{}"
        return self._response(200, headers, body, self.CONTENT_TYPE)

    def _prepare_error(self, info: ErrorInfo) -> None:
        compile_error(self._json, info)

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
        document = {"__type": info.name}
        document.update(error_members(info, sender_fault, message, members))
        headers[self.REQUEST_ID_HEADER] = request_id
        if self._query_compatible:
            headers["x-amzn-query-error"] = f"{info.code};{'Sender' if sender_fault else 'Receiver'}"
        return self._response(status, headers, dumps(document), self.CONTENT_TYPE)
