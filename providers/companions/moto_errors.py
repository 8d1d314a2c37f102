"""What an exception moto raised for a well-formed request means for the client.

moto answers AWS errors itself where it anticipated them. Where it did not, a
backend lookup of something that does not exist fails with ``KeyError`` or
``IndexError``, and a value it cannot use (a member the model calls optional
but moto needs, a string it cannot convert) with ``TypeError``, ``ValueError``
or ``AttributeError``. Those are the client's mistakes, so they become 4xx:

- ``KeyError`` naming a member of the input that is absent: that member is
  required after all (the service's validation code, "Member must not be null");
- other ``KeyError``/``IndexError``: no such resource, as the operation's own
  not-found error if the model lists one (``ResourceNotFoundException``,
  ``NoSuchEntity``, ``NotFound``, ``QueueDoesNotExist``...), else the service's
  ``ResourceNotFoundException`` or a plain 400 ``ResourceNotFoundException``;
  the same for ``'NoneType' object has no attribute`` (a lookup that returned
  None) in an operation that models a not-found error;
- ``TypeError``/``ValueError``/``AttributeError``: a parameter value the
  service cannot use, the service's validation code.

Anything else is a bug (ours or moto's) and stays a logged 500. The Python
text of the exception never reaches the client (it is logged at DEBUG).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator, Optional

from gateway.errors import ServiceError

from .precheck import validation_code

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

_NOT_FOUND = re.compile(r"NotFound|NoSuch|DoesNotExist|NonExistent", re.IGNORECASE)
_LOOKUP_ERRORS = (KeyError, IndexError)
_VALUE_ERRORS = (TypeError, ValueError, AttributeError)


def classify(
    error: BaseException,
    service: "ServiceModel",
    operation: Optional["OperationModel"],
    params: Optional[dict[str, Any]],
) -> Optional[ServiceError]:
    """The client's error ``error`` stands for, or None for a bug."""
    name = operation.name if operation is not None else "the operation"
    if isinstance(error, KeyError) and error.args and isinstance(error.args[0], str) and operation is not None:
        missing = _absent_member(operation, params, error.args[0])
        if missing is not None:
            message = (
                f"1 validation error detected: Value null at '{missing[0].lower() + missing[1:]}' "
                "failed to satisfy constraint: Member must not be null"
            )
            return ServiceError(validation_code(service.service_name), message, 400)
    if isinstance(error, _LOOKUP_ERRORS) or _none_looked_up(error, operation):
        code, status = not_found_code(service, operation)
        key = error.args[0] if isinstance(error, KeyError) and error.args else None
        if isinstance(key, str) and key and params is not None and key in set(_strings(params)):
            message = f"{name}: the resource '{key}' does not exist"
        else:
            message = f"{name}: the requested resource does not exist"
        return ServiceError(code, message, status)
    if isinstance(error, _VALUE_ERRORS):
        message = f"{name}: a parameter is missing or has a value the service cannot use"
        return ServiceError(validation_code(service.service_name), message, 400)
    return None


def _none_looked_up(error: BaseException, operation: Optional["OperationModel"]) -> bool:
    """``'NoneType' object has no attribute ...``: moto's lookup found nothing and it
    went on with None; a resource missing where the operation models that error."""
    if not isinstance(error, AttributeError) or "'NoneType' object has no attribute" not in str(error):
        return False
    return operation is not None and any(_NOT_FOUND.search(shape.name) for shape in operation.error_shapes)


def not_found_code(service: "ServiceModel", operation: Optional["OperationModel"]) -> tuple[str, int]:
    """The operation's modelled not-found error (code, status), else the service's, else a 400."""
    shapes = list(operation.error_shapes) if operation is not None else []
    for shape in shapes:
        if _NOT_FOUND.search(shape.name):
            return shape.name, shape.metadata.get("error", {}).get("httpStatusCode", 400)
    if "ResourceNotFoundException" in service.shape_names:
        shape = service.shape_for("ResourceNotFoundException")
        return shape.name, shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return "ResourceNotFoundException", 400


def _absent_member(operation: "OperationModel", params: Optional[dict], key: str) -> Optional[str]:
    shape = operation.input_shape
    if shape is None or params is None:  # unparsed: cannot tell what is absent
        return None
    for member in shape.members:
        if member.lower() == key.lower() and params.get(member) is None:
            return member
    return None


def _strings(value: Any, budget: int = 200) -> Iterator[str]:
    """The string values in ``value`` (params), breadth-limited."""
    stack = [value]
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
