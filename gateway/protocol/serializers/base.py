"""The serializer interface and what every protocol shares: error-shape lookup,
status codes, common headers and per-operation plan caching.

A serializer is built once per service model (``create_serializer``) and is safe
to share between threads. Everything derived from the model (which member goes
to which header, how each shape is encoded) is compiled on first use of an
operation or error code and cached, so a request only walks its own data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from botocore.model import OperationModel, ServiceModel, Shape
from werkzeug.datastructures import Headers

from ...errors import ServiceError
from ...http import HttpResponse
from .headers import header_text


@dataclass
class ErrorInfo:
    """What the model says about one error code."""

    code: str  # the code on the wire (the shape's ``error.code``, else its name)
    name: str  # the shape name (``__type`` in json), or the code when not modelled
    shape: Optional[Shape]
    status: Optional[int]
    sender_fault: Optional[bool]  # None: the model does not say
    message_member: Optional[str]  # "Message" / "message" when the shape models it
    header_members: list[tuple[str, str, Callable[[Any], str]]] = field(default_factory=list)
    fill_type: bool = False  # the service's Lambda-style "Type": "User" | "Service" member
    cache: dict[str, Any] = field(default_factory=dict)  # protocol-specific compiled encoders


class ResponseSerializer:
    """Turns a provider's result, or a ``ServiceError``, into an ``HttpResponse``."""

    CONTENT_TYPE = "application/json"
    REQUEST_ID_HEADER = "x-amzn-RequestId"

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._lock = threading.RLock()
        self._plans: dict[str, Any] = {}
        self._errors: dict[str, ErrorInfo] = {}
        self._error_shapes: Optional[dict[str, Shape]] = None
        self._type_convention: Optional[bool] = None

    # -- public interface -------------------------------------------------------

    def serialize_response(self, operation: OperationModel, result: Optional[dict], request_id: str) -> HttpResponse:
        plan = self._plans.get(operation.name)
        if plan is None:
            with self._lock:
                plan = self._plans.get(operation.name)
                if plan is None:
                    plan = self._compile_operation(operation)
                    self._plans[operation.name] = plan
        return self._serialize(plan, operation, result or {}, request_id)

    def serialize_error(
        self, error: ServiceError, operation: Optional[OperationModel], request_id: str
    ) -> HttpResponse:
        info = self.error_info(error.code)
        sender = self._sender_fault(info, error)
        status = info.status or error.status or (400 if sender else 500)
        # None members are left out; a Lambda-style "Type": None stays, to say "send no Type".
        members = {k: v for k, v in error.members.items() if v is not None or (k == "Type" and info.fill_type)}
        message = error.message or ""
        if not message and info.message_member and isinstance(members.get(info.message_member), str):
            message = members[info.message_member]
        if info.message_member:
            members.pop(info.message_member, None)
        headers = Headers()
        for member, header, to_text in info.header_members:
            value = members.pop(member, None)
            if value is not None:
                headers[header] = to_text(value)
        response = self._serialize_error(info, status, sender, message, members, headers, request_id)
        for name, value in error.headers.items():
            response.headers[name] = value
        return response

    # -- protocol hooks ---------------------------------------------------------

    def _compile_operation(self, operation: OperationModel) -> Any:
        raise NotImplementedError

    def _serialize(self, plan: Any, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
        raise NotImplementedError

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
        raise NotImplementedError

    def _prepare_error(self, info: ErrorInfo) -> None:
        """Compile what the protocol needs for a modelled error into ``info.cache``."""

    # -- errors -----------------------------------------------------------------

    def error_info(self, code: str) -> ErrorInfo:
        info = self._errors.get(code)
        if info is None:
            with self._lock:
                info = self._errors.get(code)
                if info is None:
                    info = self._compile_error(code)
                    if info.shape is not None:
                        self._prepare_error(info)
                    self._errors[code] = info
        return info

    def _error_shape_index(self) -> dict[str, Shape]:
        if self._error_shapes is None:
            index: dict[str, Shape] = {}
            for shape in self.service.error_shapes:
                index.setdefault(shape.name, shape)
            for shape in self.service.error_shapes:
                wire_code = shape.metadata.get("error", {}).get("code")
                if wire_code:
                    index.setdefault(wire_code, shape)
            self._error_shapes = index
        return self._error_shapes

    def _compile_error(self, code: str) -> ErrorInfo:
        shape = self._error_shape_index().get(code)
        if shape is None:
            return ErrorInfo(code, code, None, None, None, None)
        meta = shape.metadata.get("error", {})
        sender: Optional[bool] = None
        if "senderFault" in meta:
            sender = bool(meta["senderFault"])
        elif getattr(shape, "_shape_model", {}).get("fault"):
            sender = False
        elif meta.get("httpStatusCode"):
            sender = meta["httpStatusCode"] < 500
        message_member = next((m for m in shape.members if m.lower() == "message"), None)
        info = ErrorInfo(
            code=meta.get("code") or shape.name,
            name=shape.name,
            shape=shape,
            status=meta.get("httpStatusCode"),
            sender_fault=sender,
            message_member=message_member,
            fill_type=self._has_type_convention(),
        )
        for member, member_shape in shape.members.items():
            if member_shape.serialization.get("location") == "header":
                header = member_shape.serialization.get("name", member)
                info.header_members.append((member, header, header_text(member_shape)))
        return info

    def _has_type_convention(self) -> bool:
        """Whether every error shape has a plain ``Type`` member, as Lambda's do: the
        fault side, "User" or "Service", which the serializer fills in when not given."""
        if self._type_convention is None:
            shapes = self.service.error_shapes
            self._type_convention = bool(shapes) and all(
                "Type" in shape.members and "name" not in shape.members["Type"].serialization
                for shape in shapes
            )
        return self._type_convention

    @staticmethod
    def _sender_fault(info: ErrorInfo, error: ServiceError) -> bool:
        """The model's word, else the error's (a 5xx status is never the sender's fault)."""
        if info.sender_fault is not None:
            return info.sender_fault
        return error.sender_fault and (error.status is None or error.status < 500)

    # -- helpers ----------------------------------------------------------------

    def _response(self, status: int, headers: Headers, body: Any, content_type: Optional[str]) -> HttpResponse:
        """Finish a response: default Content-Type, Content-Length for byte bodies."""
        if content_type and "Content-Type" not in headers:
            headers.add("Content-Type", content_type)
        if isinstance(body, (bytes, bytearray)):
            if status in (204, 304) or status < 200:
                body = b""
            elif body or "Content-Length" not in headers:
                # An empty body keeps a modelled Content-Length (e.g. S3 HeadObject).
                headers["Content-Length"] = str(len(body))
        return HttpResponse(status=status, headers=headers, body=body)
