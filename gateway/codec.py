"""A service's parser, validator and serializer, built once from its model.

Kept apart from ``app.py`` so that botocore and the protocol modules load on the
first AWS request, not at start-up."""

from __future__ import annotations

import json
from pathlib import Path

from botocore.model import ServiceModel

from .errors import ServiceError
from .protocol import ProtocolError, create_parser, create_serializer
from .protocol.validate import load_validator

ERRORS_DIR = Path(__file__).resolve().parents[1] / "specs" / "errors"


class ServiceCodec:
    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.parser = create_parser(model)
        self.validator = load_validator(model)  # with specs/validation/<service>.json
        self.serializer = create_serializer(model)
        path = ERRORS_DIR / f"{model.service_name}.json"
        self._parse_errors: dict = json.loads(path.read_text()) if path.exists() else {}

    def parse_error(self, error: ProtocolError) -> ServiceError:
        """The AWS error for a request the parser refused, in this service's words
        (``specs/errors/<service>.json``)."""
        override = self._parse_errors.get(error.code)
        if override:
            message = override.get("message", "{message}").format(message=error.message)
            return ServiceError(override["code"], message, override.get("status", error.status))
        return ServiceError(error.code, error.message, error.status)
