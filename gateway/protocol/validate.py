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
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from botocore.model import OperationModel, ServiceModel, Shape

from ..errors import ValidationError

try:  # Java's \p{L} & co.; installed with moto's dependencies, optional here
    import regex as _regex
except ImportError:  # pragma: no cover - depends on the environment
    _regex = None

log = logging.getLogger("gateway.validate")

SETTINGS_DIR = Path(__file__).resolve().parents[2] / "specs" / "validation"

#: Constraint kinds a setting can switch off ("all" switches off every kind).
KINDS = frozenset({"required", "length", "range", "pattern", "enum"})
_ALL = "all"

#: A string longer than this (and already too long for the model) is not also
#: matched against the pattern: the answer is a 400 either way.
_PATTERN_GUARD = 65536

Check = Callable[[Any, str, list], None]
Predicate = Callable[[Any], bool]
_NUMBERS = (int, float)
_MISSING = object()


@dataclass(frozen=True)
class ValidationSettings:
    """What to validate for one service, from ``specs/validation/<service>.json``.

    JSON keys: ``enabled`` (default true); ``skip``, mapping
    ``Operation.Member[.Member...]`` to the constraint kinds not checked there
    (``required``, ``length``, ``range``, ``pattern``, ``enum`` or ``all``;
    ``member`` steps into a list's elements, ``key``/``value`` into a map's);
    ``nestedNotNull``, whether constraint lists of list elements and map values
    end with "Member must not be null" (AWS does so for Lambda, not for every
    service). Other keys (``$comment``, ``providerChecks``...) document why.
    """

    enabled: bool = True
    nested_not_null: bool = True
    skip: Mapping[str, frozenset] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ValidationSettings":
        skip: dict[str, frozenset] = {}
        for path, kinds in (data.get("skip") or {}).items():
            kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
            unknown = kinds - KINDS - {_ALL}
            if unknown or "." not in path:
                raise ValueError(f"validation settings: bad skip entry {path!r}: {sorted(kinds)}")
            skip[path] = KINDS if _ALL in kinds else kinds
        return cls(
            enabled=bool(data.get("enabled", True)),
            nested_not_null=bool(data.get("nestedNotNull", True)),
            skip=skip,
        )

    @classmethod
    def load(cls, service: str, directory: Path = SETTINGS_DIR) -> "ValidationSettings":
        path = directory / f"{service}.json"
        if not path.exists():
            return cls()
        return cls.from_dict(json.loads(path.read_text()))


@dataclass
class _Skips:
    kinds: frozenset = frozenset()
    children: dict = field(default_factory=dict)

    def child(self, name: str) -> Optional["_Skips"]:
        return self.children.get(name)


class ParamValidator:
    """Validates parsed params against one service model; build once, share."""

    def __init__(self, service_model: ServiceModel, settings: Optional[ValidationSettings] = None) -> None:
        self.service_model = service_model
        self.settings = settings or ValidationSettings()
        self._skips = self._skip_trees(self.settings.skip)
        self._operations: dict[str, Optional[Check]] = {}
        self._shapes: dict[str, Optional[Check]] = {}
        self._patterns: dict[str, Optional[Predicate]] = {}
        self._lock = threading.Lock()  # compiling is once per operation; checking needs no lock

    # -- public -----------------------------------------------------------------

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
                    check = self._operations[operation.name] = self._compile_operation(operation)
        errors: list[str] = []
        if check is not None:
            check(params, "", errors)
        return errors

    # -- settings ---------------------------------------------------------------

    def _skip_trees(self, skip: Mapping[str, frozenset]) -> dict[str, _Skips]:
        """``{"Op.A.B": kinds}`` -> a tree per operation, checked against the model."""
        trees: dict[str, _Skips] = {}
        for path, kinds in skip.items():
            operation_name, *steps = path.split(".")
            if operation_name not in self.service_model.operation_names:
                raise ValueError(f"validation settings: unknown operation in {path!r}")
            shape = self.service_model.operation_model(operation_name).input_shape
            node = trees.setdefault(operation_name, _Skips())
            for step in steps:
                shape = _step(shape, step)
                if shape is None:
                    raise ValueError(f"validation settings: {path!r} is not in the model")
                node = node.children.setdefault(step, _Skips())
            node.kinds = node.kinds | kinds
        return trees

    # -- compiling --------------------------------------------------------------

    def _compile_operation(self, operation: OperationModel) -> Optional[Check]:
        shape = operation.input_shape
        if shape is None or not self.settings.enabled:
            return None
        return self._compile(shape, self._skips.get(operation.name))

    def _compile(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        """A checker for values of ``shape`` (None: nothing to check). Shapes
        without settings below them are compiled once and shared; a trampoline
        stands in while a recursive shape is being compiled."""
        if skips is not None:
            return self._build(shape, skips)
        key = shape.name
        if key in self._shapes:
            return self._shapes[key]
        cell: list = []
        self._shapes[key] = lambda value, path, errors: cell[0](value, path, errors) if cell and cell[0] else None
        check = self._build(shape, None)
        cell.append(check)
        self._shapes[key] = check
        return check

    def _build(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        type_name = shape.type_name
        if type_name == "structure":
            return self._structure(shape, skips)
        if type_name == "list":
            return self._list(shape, skips)
        if type_name == "map":
            return self._map(shape, skips)
        return self._scalar(shape, skips)

    def _structure(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        if shape.is_document_type:
            return None
        required = set(shape.required_members)
        members = []
        for name, member in shape.members.items():
            node = skips.child(name) if skips else None
            kinds = node.kinds if node else frozenset()
            is_required = name in required and "required" not in kinds
            check = self._compile(member, node)
            if is_required or check is not None:
                members.append((name, _path_name(name), is_required, check))
        if not members:
            return None
        members_t = tuple(members)

        def check_structure(value: Any, path: str, errors: list) -> None:
            if type(value) is not dict:
                return
            for key, name, is_required, check in members_t:
                item = value.get(key)
                if item is None:
                    if is_required:
                        errors.append(
                            f"Value null at '{path + '.' + name if path else name}' failed to satisfy "
                            "constraint: Member must not be null"
                        )
                elif check is not None:
                    check(item, path + "." + name if path else name, errors)

        return check_structure

    def _list(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        kinds = skips.kinds if skips else frozenset()
        rules = self._size_rules(shape, kinds)
        member_node = skips.child("member") if skips else None
        element = self._element(shape.member, member_node, "Member must satisfy constraint")
        if not rules and element is None:
            return None
        render = self._renderer(shape)

        def check_list(value: Any, path: str, errors: list) -> None:
            if type(value) is not list:
                return
            for ok, text in rules:
                if not ok(value):
                    errors.append(render(value, path, text))
            if element is not None:
                element(value, path, errors, render)

        return check_list

    def _map(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        kinds = skips.kinds if skips else frozenset()
        rules = self._size_rules(shape, kinds)
        keys = self._element(shape.key, skips.child("key") if skips else None, "Map keys must satisfy constraint", keys=True)
        values = self._element(shape.value, skips.child("value") if skips else None, "Map value must satisfy constraint")
        if not rules and keys is None and values is None:
            return None
        render = self._renderer(shape)

        def check_map(value: Any, path: str, errors: list) -> None:
            if type(value) is not dict:
                return
            for ok, text in rules:
                if not ok(value):
                    errors.append(render(value, path, text))
            if keys is not None:
                keys(value, path, errors, render)
            if values is not None:
                values(value, path, errors, render)

        return check_map

    def _element(self, shape: Shape, skips: Optional[_Skips], label: str, keys: bool = False):
        """Checks the elements of a list (or the keys or values of a map):
        scalars are reported once at the container with the element shape's
        constraints; structures (and nested containers) at ``<path>.<n>.member``."""
        kinds = skips.kinds if skips else frozenset()
        if shape.type_name in ("structure", "list", "map"):
            check = self._compile(shape, skips)
            if check is None:
                return None

            def check_elements(value: Any, path: str, errors: list, render) -> None:
                items = value.items() if type(value) is dict else enumerate(value, 1)
                for index, item in items:
                    if item is not None:
                        check(item, f"{path}.{index}.member", errors)

            return check_elements
        rules = self._scalar_rules(shape, kinds)
        not_null = self.settings.nested_not_null and "required" not in kinds
        if not rules:
            return None
        texts = [text for _, text in rules]
        if not_null:
            texts.append("Member must not be null")
        text = f"{label}: [{', '.join(texts)}]"
        predicates = tuple(ok for ok, _ in rules)

        def check_elements(value: Any, path: str, errors: list, render) -> None:
            items = value if keys or type(value) is list else value.values()
            for item in items:
                if item is None:
                    if not_null:
                        break
                    continue
                for ok in predicates:
                    if not ok(item):
                        break
                else:
                    continue
                break
            else:
                return
            errors.append(render(value, path, text))

        return check_elements

    def _scalar(self, shape: Shape, skips: Optional[_Skips]) -> Optional[Check]:
        rules = self._scalar_rules(shape, skips.kinds if skips else frozenset())
        if not rules:
            return None
        render = self._renderer(shape)

        def check_scalar(value: Any, path: str, errors: list) -> None:
            for ok, text in rules:
                if not ok(value):
                    errors.append(render(value, path, text))

        return check_scalar

    # -- rules: (predicate that is True when the value is fine, constraint text) --

    def _scalar_rules(self, shape: Shape, kinds: frozenset) -> tuple:
        type_name = shape.type_name
        meta = shape.metadata
        rules: list = []
        if type_name == "string":
            length = _utf16_length
            rules += self._bounds(meta, kinds, "length", lambda v: type(v) is not str, length)
            if "pattern" in meta and "pattern" not in kinds:
                matches = self._pattern(meta["pattern"])
                if matches is not None:
                    limit = max(meta.get("max", 0) * 16, _PATTERN_GUARD)
                    rules.append((
                        lambda v, m=matches, n=limit: type(v) is not str or len(v) > n or m(v),
                        f"Member must satisfy regular expression pattern: {meta['pattern']}",
                    ))
            if "enum" in meta and "enum" not in kinds:
                allowed = frozenset(meta["enum"])
                rules.append((
                    lambda v, a=allowed: type(v) is not str or v in a,
                    f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]",
                ))
        elif type_name == "blob":
            rules += self._bounds(meta, kinds, "length", lambda v: not isinstance(v, (bytes, bytearray)), len)
        elif type_name in ("integer", "long", "short", "byte", "float", "double"):
            floating = type_name in ("float", "double")
            rules += self._bounds(
                meta, kinds, "range",
                lambda v: isinstance(v, bool) or not isinstance(v, _NUMBERS) or v != v,
                None, java_double if floating else _integer_text,
            )
        return tuple(rules)

    def _size_rules(self, shape: Shape, kinds: frozenset) -> tuple:
        wrong = (lambda v: type(v) is not list) if shape.type_name == "list" else (lambda v: type(v) is not dict)
        return tuple(self._bounds(shape.metadata, kinds, "length", wrong, len))

    @staticmethod
    def _bounds(meta, kinds, kind, wrong_type, measure, limit_text=str) -> list:
        """``max`` then ``min`` rules for a length (``measure``) or a value."""
        if kind in kinds:
            return []
        noun = "length" if kind == "length" else "value"
        rules = []
        high, low = meta.get("max"), meta.get("min")
        if high is not None:
            if measure is None:
                ok = lambda v, h=high: wrong_type(v) or v <= h  # noqa: E731
            else:
                ok = lambda v, h=high: wrong_type(v) or measure(v) <= h  # noqa: E731
            rules.append((ok, f"Member must have {noun} less than or equal to {limit_text(high)}"))
        if low is not None and (measure is None or low > 0):
            if measure is None:
                ok = lambda v, lo=low: wrong_type(v) or v >= lo  # noqa: E731
            else:
                ok = lambda v, lo=low: wrong_type(v) or measure(v) >= lo  # noqa: E731
            rules.append((ok, f"Member must have {noun} greater than or equal to {limit_text(low)}"))
        return rules

    def _pattern(self, pattern: str) -> Optional[Predicate]:
        """Java ``String.matches`` semantics: the whole value must match.
        Patterns Python's ``re`` cannot read (``\\p{L}``...) go to ``regex``; a
        pattern neither can read is not checked."""
        if pattern in self._patterns:
            return self._patterns[pattern]
        compiled: Any = None
        try:
            compiled = re.compile(pattern, re.ASCII)
        except re.error:
            if _regex is not None:
                try:
                    compiled = _regex.compile(pattern, _regex.V0)
                except Exception:  # noqa: BLE001 - any failure: do not check
                    compiled = None
        if compiled is None:
            log.debug("pattern not checked (unsupported syntax): %s", pattern)
            matches = None
        else:
            fullmatch = compiled.fullmatch
            matches = lambda v: fullmatch(v) is not None  # noqa: E731
        self._patterns[pattern] = matches
        return matches

    # -- messages -----------------------------------------------------------------

    @staticmethod
    def _renderer(shape: Shape) -> Callable[[Any, str, str], str]:
        hidden = _is_sensitive(shape)

        def render(value: Any, path: str, constraint: str) -> str:
            if hidden:
                return f"Value at '{path}' failed to satisfy constraint: {constraint}"
            return f"Value '{render_value(value, shape)}' at '{path}' failed to satisfy constraint: {constraint}"

        return render


def format_message(errors: list[str]) -> str:
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(errors)


def render_value(value: Any, shape: Optional[Shape] = None) -> str:
    """A value as AWS (Java) prints it in validation messages."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if shape is not None and shape.type_name in ("float", "double"):
            return java_double(float(value))
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, (bytes, bytearray)):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, datetime):
        return value.strftime("%a %b %d %H:%M:%S UTC %Y")
    if isinstance(value, list):
        member = shape.member if shape is not None and shape.type_name == "list" else None
        return "[" + ", ".join(render_value(item, member) for item in value) + "]"
    if isinstance(value, dict):
        if shape is not None and shape.type_name == "structure":
            members = shape.members
            parts = (
                f"{_path_name(key)}={render_value(item, members.get(key))}"
                for key, item in value.items()
            )
            return f"{shape.name}({', '.join(parts)})"
        item_shape = shape.value if shape is not None and shape.type_name == "map" else None
        return "{" + ", ".join(f"{key}={render_value(item, item_shape)}" for key, item in value.items()) + "}"
    return str(value)


def java_double(value: float) -> str:
    """``Double.toString``: ``2.0``, ``0.001``, ``1.0E7``, ``1.234E-5``, ``NaN``."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if 1e-3 <= magnitude < 1e7:
        text = repr(magnitude)
        if "e" in text:  # pragma: no cover - repr is positional in this range
            text = format(Decimal(text), "f")
        return sign + (text if "." in text else text + ".0")
    digits = Decimal(repr(magnitude)).normalize().as_tuple()
    mantissa = "".join(map(str, digits.digits))
    exponent = digits.exponent + len(mantissa) - 1
    return f"{sign}{mantissa[0]}.{mantissa[1:] or '0'}E{exponent}"


def _integer_text(limit: Any) -> str:
    return str(int(limit)) if isinstance(limit, float) and limit.is_integer() else str(limit)


def _utf16_length(text: str) -> int:
    """Java's ``String.length()``: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _path_name(member: str) -> str:
    return member[:1].lower() + member[1:]


def _is_sensitive(shape: Shape) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "list":
        return bool(shape.member.metadata.get("sensitive"))
    if shape.type_name == "map":
        return bool(shape.key.metadata.get("sensitive") or shape.value.metadata.get("sensitive"))
    return False


def _step(shape: Optional[Shape], step: str) -> Optional[Shape]:
    """One step of a settings path: a structure member, a list's ``member``,
    a map's ``key``/``value``."""
    if shape is None:
        return None
    if shape.type_name == "structure":
        return shape.members.get(step)
    if shape.type_name == "list" and step == "member":
        return shape.member
    if shape.type_name == "map" and step in ("key", "value"):
        return shape.key if step == "key" else shape.value
    return None


def load_validator(service_model: ServiceModel, service: Optional[str] = None) -> ParamValidator:
    """The validator for a service with its settings file, if any."""
    name = service or service_model.service_name
    return ParamValidator(service_model, ValidationSettings.load(name))


__all__ = [
    "ParamValidator",
    "ValidationSettings",
    "format_message",
    "java_double",
    "load_validator",
    "render_value",
]
