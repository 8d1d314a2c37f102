"""The ``rest-json`` protocol (Lambda, API Gateway, ...).

Bodies are JSON objects keyed by member name (or ``locationName``), timestamps in
epoch seconds unless the shape says otherwise. Errors carry the code in the
``x-amzn-ErrorType`` header and the error shape's members in the body, e.g.
Lambda's ``{"Type": "User", "Message": "Function not found: ..."}``; a code the
model does not know gets ``{"message": "..."}``.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore.model import ServiceModel, Shape
from werkzeug.datastructures import Headers

from ...http import HttpResponse
from .base import ErrorInfo
from .jsonshapes import JsonEncoder, compile_error, dumps, error_members
from .rest import RestSerializer


class RestJSONSerializer(RestSerializer):
    CONTENT_TYPE = "application/json"
    # AWS answers blob payloads without a modelled Content-Type (Lambda Invoke) as JSON.
    RAW_CONTENT_TYPE = "application/json"
    REQUEST_ID_HEADER = "x-amzn-RequestId"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._json = JsonEncoder("unixTimestamp")

    def _struct_bytes(self, shape: Shape, exclude: frozenset) -> Callable[[Any], bytes]:
        if shape.type_name != "structure" or shape.is_document_type:
            encode = self._json.compile(shape)
            if encode is None:
                return dumps
            return lambda value: dumps(encode(value))
        struct = self._json.structure(shape, exclude)
        return lambda value: dumps(struct(value))

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
        headers["x-amzn-ErrorType"] = info.code
        headers[self.REQUEST_ID_HEADER] = request_id
        body = dumps(error_members(info, sender_fault, message, members))
        return self._response(status, headers, body, self.CONTENT_TYPE)
