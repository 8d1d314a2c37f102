"""AWS wire protocols, server side, driven by botocore service models.

Public surface:

- ``create_parser(service_model).parse(request) -> (OperationModel, params)``
- ``create_serializer(service_model).serialize_response(...)`` / ``.serialize_error(...)``
- ``ProtocolError`` and its subclasses: the client sent something we cannot parse
  (always a 4xx); anything else raised while parsing is our bug (a 500 that is logged).

One parser class and one serializer class per protocol (``json``, ``rest-json``,
``query``, ``rest-xml``, ``ec2``), each dispatching on shape type.
"""

from __future__ import annotations

from .errors import (
    MalformedRequestError,
    OperationNotFoundError,
    ProtocolError,
)


def __getattr__(name: str):
    # Imported on first use so that loading a model does not load every protocol.
    if name == "create_parser":
        from .parsers import create_parser

        return create_parser
    if name == "create_serializer":
        from .serializers import create_serializer

        return create_serializer
    raise AttributeError(name)


__all__ = [
    "MalformedRequestError",
    "OperationNotFoundError",
    "ProtocolError",
    "create_parser",
    "create_serializer",
]
