"""Request validation against the model's constraints, in AWS's words.

After parsing, every request of a model-driven provider is checked against the
input shape's constraints: required members, ``min``/``max`` (length of strings,
blobs, lists and maps; value of numbers), ``pattern`` and ``enum``. A violation
is a ``ValidationException`` (400) whose message is the one AWS's request
validation produces::

    1 validation error detected: Value 'x' at 'memorySize' failed to satisfy
    constraint: Member must have value greater than or equal to 128

    2 validation errors detected: <violation>; <violation>

Formats, as recorded from AWS (LocalStack's Lambda snapshot files and service
error messages quoted in the wild):

- the path is the member name with its first letter lower-cased, nested with
  dots (``functionName``, ``kMSKeyArn``, ``routingConfig.additionalVersionWeights``,
  ``destinationConfig.onFailure.destination``); a structure inside a list is
  ``<list>.<1-based index>.member.<name>``;
- a missing required member: ``Value null at 'tagKeys' ... Member must not be null``;
- values print as Java does: ints as digits, doubles as ``2.0``/``1.0E10``,
  lists as ``[x86_64, arm64]``, maps as ``{2=2.0}``; a sensitive value is left
  out (``Value at 'password' ...``);
- a list of scalars with a bad element is reported once, at the list, with all
  constraints of the element shape: ``Value '[X86_64]' at 'architectures' failed
  to satisfy constraint: Member must satisfy constraint: [Member must satisfy
  enum value set: [x86_64, arm64], Member must not be null]``; maps the same with
  ``Map keys must satisfy constraint: [...]`` / ``Map value must satisfy
  constraint: [...]``;
- violations come in model member order; per member: length, range, pattern,
  enum.

Per-service settings (``specs/validation/<service>.json``) switch off checks a
service does not make, or reports in its own way (the provider then does it):
see ``ValidationSettings``.

Cost: everything derived from the model is compiled once per operation into
nested closures that only test what the model constrains; a request without
violations allocates nothing but the (empty) error list.

This module is the public surface (``ParamValidator``, ``load_validator``);
the parts live in ``gateway.protocol.validation``: ``settings`` (the settings
files), ``messages`` (AWS's wording), ``rules`` (one shape's constraints) and
``compiler`` (the compiled checks).
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional

from botocore.model import OperationModel, ServiceModel

from ..errors import ValidationError
from .validation.compiler import Check, CheckCompiler
from .validation.messages import format_message, java_double, render_value
from .validation.settings import KINDS, SETTINGS_DIR, ValidationSettings, skip_trees

_MISSING = object()


class ParamValidator:
    """Validates parsed params against one service model; build once, share."""

    def __init__(self, service_model: ServiceModel, settings: Optional[ValidationSettings] = None) -> None:
        self.service_model = service_model
        self.settings = settings or ValidationSettings()
        self._compiler = CheckCompiler(
            self.settings, skip_trees(service_model, self.settings.skip, self.settings.member_patterns)
        )
        self._operations: dict[str, Optional[Check]] = {}
        self._lock = threading.Lock()  # compiling is once per operation; checking needs no lock

    def validate(self, operation: OperationModel, params: Mapping[str, Any]) -> None:
        """Raise ``ValidationError`` if ``params`` break the model's constraints."""
        errors = self.errors(operation, params)
        if errors:
            raise ValidationError(format_message(errors))

    def errors(self, operation: OperationModel, params: Mapping[str, Any]) -> list[str]:
        check = self._operations.get(operation.name, _MISSING)
        if check is _MISSING:
            with self._lock:
                check = self._operations.get(operation.name, _MISSING)
                if check is _MISSING:
                    check = self._operations[operation.name] = self._compiler.compile_operation(operation)
        errors: list[str] = []
        if check is not None:
            check(params, "", errors)
        return errors


def load_validator(service_model: ServiceModel, service: Optional[str] = None) -> ParamValidator:
    """The validator for a service with its settings file, if any."""
    name = service or service_model.service_name
    return ParamValidator(service_model, ValidationSettings.load(name))


__all__ = [
    "KINDS",
    "SETTINGS_DIR",
    "ParamValidator",
    "ValidationSettings",
    "format_message",
    "java_double",
    "load_validator",
    "render_value",
]
