"""What the per-service checks share: AWS's common answers and moto's seams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from gateway.errors import ServiceError
from gateway.protocol.validation.messages import echo, path_name

if TYPE_CHECKING:
    from gateway.context import RequestContext


class Answer(Exception):
    """Not an error: the result AWS gives for the request, answered without moto."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("answered without moto")
        self.result = result


def not_implemented(service: str, operation: str, detail: str) -> ServiceError:
    """A request AWS accepts that moto cannot serve: said plainly, as a 501."""
    return ServiceError(
        "InternalFailure", f"The operation {operation} of service {service} is not implemented {detail}", 501,
        sender_fault=False,
    )


def null_member(code: str, *members: str) -> ServiceError:
    """AWS's request validation for required members that are absent (Coral's wording)."""
    errors = [f"Value null at '{path_name(member)}' failed to satisfy constraint: Member must not be null" for member in members]
    noun = "error" if len(errors) == 1 else "errors"
    return ServiceError(code, f"{len(errors)} validation {noun} detected: " + "; ".join(errors), 400)


def is_offset_token(token: Any) -> bool:
    """moto's pagination token for the operation: a decimal offset into its list."""
    return token is None or (isinstance(token, str) and token.isascii() and token.isdigit())


def moto_backend(name: str, context: "RequestContext") -> Any:
    """moto's backend object for ``name`` in the request's account and region."""
    from moto.backends import get_backend

    return get_backend(name)[context.account_id][context.region]  # type: ignore[call-overload]


def raised_in(error: BaseException, package: str, *functions: str) -> bool:
    """Whether ``error`` was raised by code of ``package`` (in one of ``functions``)."""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return False
    frame = traceback.tb_frame
    module = frame.f_globals.get("__name__", "")
    if not (module == package or module.startswith(package + ".")):
        return not functions and type(error).__module__.startswith(package)
    return not functions or frame.f_code.co_name in functions


def passed_through(error: BaseException, package: str, function: Callable[[str], bool]) -> bool:
    """Whether a function of ``package`` whose name ``function`` accepts is on
    ``error``'s traceback (the error came from it or from below it)."""
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        module = frame.f_globals.get("__name__", "")
        if (module == package or module.startswith(package + ".")) and function(frame.f_code.co_name):
            return True
        traceback = traceback.tb_next
    return False


@dataclass(frozen=True)
class Lookup:
    """moto's ``function`` looked up the client's value of ``member`` without a
    guard: a ``KeyError`` naming exactly that value means no such resource.
    ``member`` is a path; ``Entries.Source`` is the ``Source`` of every entry."""

    function: str
    member: str
    code: str
    message: str  # formatted with {value}
    status: int = 400

    def match(self, error: BaseException, params: dict[str, Any]) -> Optional[ServiceError]:
        if not isinstance(error, KeyError) or len(error.args) != 1 or not isinstance(error.args[0], str):
            return None
        if not raised_in(error, "moto", self.function):
            return None
        key = error.args[0]
        if key not in set(_values(params, self.member.split("."))):
            return None
        return ServiceError(self.code, self.message.format(value=echo(key)), self.status)


def _values(value: Any, path: list[str]) -> Iterator[Any]:
    if not path:
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, path)
    elif isinstance(value, dict) and path[0] in value:
        yield from _values(value[path[0]], path[1:])
