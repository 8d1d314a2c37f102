"""The ``rest-json`` protocol (Lambda, API Gateway, EventBridge Pipes, ...).

Routing, URI labels, query string and headers come from ``BaseRestParser``;
the body is JSON, read with the same rules as the ``json`` protocol (a spooled
body included: its long strings stay in the file, see ``spooled_json``).
"""

from __future__ import annotations

from typing import Any

from botocore.model import Shape

from ...http import HttpRequest
from .json import JSONShapeParser, _describe
from .rest import BaseRestParser, _RestPlan


class RestJSONRequestParser(BaseRestParser, JSONShapeParser):
    protocol = "rest-json"

    def _member_table(self, shape: Shape) -> tuple[Any, ...]:
        return self._json_members(shape)

    def _read_body_members(self, plan: _RestPlan, request: HttpRequest) -> dict[str, Any]:
        document = self._load_request_json(request, plan.decompress)
        if document is None:
            return {}
        if not isinstance(document, dict):
            raise self._syntax_error(f"The request body must be a JSON object, not {_describe(document)}")
        return self._parse_members(plan.body_members, document)

    def _parse_payload(self, shape: Shape, body: bytes) -> Any:
        document = self._load_json(body)
        if document is None:
            return None
        if shape.is_document_type:
            return document
        if document == {} and shape.type_name == "structure":
            return None
        return self._parse_shape(shape, document)
