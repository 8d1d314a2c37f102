"""Errors that become AWS-shaped error responses.

A provider raises ``ServiceError(code, message)``; the serializer finds the
matching error shape in the service model for the HTTP status and the members
the shape carries. ``status`` and ``sender_fault`` only matter for codes the
model does not know (e.g. ``ValidationException`` in services that do not model
it).
"""

from __future__ import annotations

from typing import Any, Optional


class ServiceError(Exception):
    """An error the client sees as an AWS error response."""

    def __init__(
        self,
        code: str,
        message: Optional[str] = "",
        status: Optional[int] = None,
        sender_fault: bool = True,
        **members: Any,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        # Extra members of the error shape (e.g. Lambda's "Type", "Reason").
        self.members: dict[str, Any] = members
        # Extra response headers (e.g. x-amzn-ErrorType overrides, Retry-After).
        self.headers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r})"


class ValidationError(ServiceError):
    """A request that violates the model's constraints."""

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message, status=400)


class NotImplementedOperation(ServiceError):
    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            "InternalFailure",
            f"The operation {operation} of service {service} is not implemented",
            status=501,
            sender_fault=False,
        )
