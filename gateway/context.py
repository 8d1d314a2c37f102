"""What a provider learns about the request it is serving."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from .http import HttpRequest

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

    from .app import Gateway


@dataclass
class RequestContext:
    request: HttpRequest
    gateway: "Gateway"
    request_id: str
    service: Optional[str] = None
    region: str = "us-east-1"
    account_id: str = "000000000000"
    access_key_id: Optional[str] = None
    service_model: Optional["ServiceModel"] = None
    operation: Optional["OperationModel"] = None
    # Free-form notes stages leave for later stages (e.g. the log line).
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def operation_name(self) -> str:
        return self.operation.name if self.operation else "-"
