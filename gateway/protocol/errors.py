"""Errors raised while parsing a request: the client's fault, always 4xx."""

from __future__ import annotations


class ProtocolError(Exception):
    """The request cannot be parsed. ``code``/``status`` become the AWS error."""

    code = "SerializationException"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class MalformedRequestError(ProtocolError):
    """Bad JSON/XML, a member of the wrong type, an unparsable timestamp, ..."""


class OperationNotFoundError(ProtocolError):
    """No operation of the service matches the request (method, path, target, Action)."""

    code = "UnknownOperationException"
    status = 404
