"""A service's parser, validator and serializer, built once from its model.

Kept apart from ``app.py`` so that botocore and the protocol modules load on the
first AWS request, not at start-up."""

from __future__ import annotations

from botocore.model import ServiceModel

from .protocol import create_parser, create_serializer
from .protocol.validate import load_validator


class ServiceCodec:
    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.parser = create_parser(model)
        self.validator = load_validator(model)  # with specs/validation/<service>.json
        self.serializer = create_serializer(model)
