"""Per-service validation settings (``specs/validation/<service>.json``).

A setting switches off checks a service does not make, or reports in its own
way (the provider then does it), or words a constraint as the service prints it.
``ValidationSettings`` is the file; ``skip_trees`` turns its ``skip`` paths and
per-member ``patterns`` into a tree per operation, checked against the service
model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from botocore.model import ServiceModel, Shape

SETTINGS_DIR = Path(__file__).resolve().parents[3] / "specs" / "validation"

#: Constraint kinds a setting can switch off ("all" switches off every kind).
KINDS = frozenset({"required", "length", "range", "pattern", "enum"})
_ALL = "all"


@dataclass(frozen=True)
class ValidationSettings:
    """What to validate for one service, from ``specs/validation/<service>.json``.

    JSON keys: ``enabled`` (default true); ``skip``, mapping
    ``Operation.Member[.Member...]`` to the constraint kinds not checked there
    (``required``, ``length``, ``range``, ``pattern``, ``enum`` or ``all``;
    ``member`` steps into a list's elements, ``key``/``value`` into a map's);
    ``nestedNotNull``, whether constraint lists of list elements and map values
    end with "Member must not be null" (AWS does so for Lambda, not for every
    service); ``enumOrder``, mapping a shape name to its enum values in the
    order AWS prints them (its order is not always the model's); ``patterns``,
    mapping a shape name, or one member's path ``Operation.Member[.member...]``
    (AWS prints one model shape differently per operation), to the regular
    expression AWS prints there (the service's own, where it differs from the
    model's; the model's pattern is still the one checked; a member's entry wins
    over its shape's). Other keys (``$comment``, ``providerChecks``...) document
    why. ``specs/validation/settings.schema.json`` is the file's schema.
    """

    enabled: bool = True
    nested_not_null: bool = True
    skip: Mapping[str, frozenset] = field(default_factory=dict)
    enum_order: Mapping[str, tuple] = field(default_factory=dict)
    patterns: Mapping[str, str] = field(default_factory=dict)  # shape name -> printed pattern
    member_patterns: Mapping[str, str] = field(default_factory=dict)  # "Operation.Member..." -> printed pattern

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ValidationSettings":
        skip: dict[str, frozenset] = {}
        for path, kinds in (data.get("skip") or {}).items():
            kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
            unknown = kinds - KINDS - {_ALL}
            if unknown or "." not in path:
                raise ValueError(f"validation settings: bad skip entry {path!r}: {sorted(kinds)}")
            skip[path] = KINDS if _ALL in kinds else kinds
        patterns = dict(_entries(data.get("patterns")))
        return cls(
            enabled=bool(data.get("enabled", True)),
            nested_not_null=bool(data.get("nestedNotNull", True)),
            skip=skip,
            enum_order={name: tuple(values) for name, values in _entries(data.get("enumOrder"))},
            patterns={key: text for key, text in patterns.items() if "." not in key},
            member_patterns={key: text for key, text in patterns.items() if "." in key},
        )

    def enum_text(self, shape: Shape) -> list:
        """A shape's enum values in the order AWS prints them. An order that is
        not a permutation of the model's values is a settings error."""
        values = list(shape.metadata["enum"])
        order = self.enum_order.get(shape.name)
        if order is None:
            return values
        if sorted(order) != sorted(values):
            raise ValueError(f"validation settings: enumOrder of {shape.name} is not the model's values: {order}")
        return list(order)

    def pattern_text(self, shape: Shape) -> str:
        """The pattern AWS prints for a shape (default: the model's)."""
        return self.patterns.get(shape.name, shape.metadata["pattern"])

    def member_pattern_text(self, operation: str, member: str, shape: Shape) -> str:
        """The pattern AWS prints for one member of an operation's input
        (``member``: ``FunctionName``, ``Layers.member``...), for providers that
        word a pattern violation themselves."""
        return self.member_patterns.get(f"{operation}.{member}") or self.pattern_text(shape)

    @classmethod
    def load(cls, service: str, directory: Path = SETTINGS_DIR) -> "ValidationSettings":
        path = directory / f"{service}.json"
        if not path.exists():
            return cls()
        return cls.from_dict(json.loads(path.read_text()))


def _entries(section: Optional[Mapping[str, Any]]) -> list:
    """A settings map's entries, without its ``$comment``."""
    return [(key, value) for key, value in (section or {}).items() if not key.startswith("$")]


@dataclass
class Skips:
    """The settings of one node of an operation's input: the constraint kinds not
    checked there, and the pattern printed there (None: the shape's)."""

    kinds: frozenset = frozenset()
    children: dict = field(default_factory=dict)
    pattern: Optional[str] = None

    def child(self, name: str) -> Optional["Skips"]:
        return self.children.get(name)


def skip_trees(
    service_model: ServiceModel, skip: Mapping[str, frozenset], member_patterns: Optional[Mapping[str, str]] = None,
) -> dict[str, Skips]:
    """``{"Op.A.B": kinds}`` and ``{"Op.A.B": printed pattern}`` -> a tree per
    operation, checked against the model (a printed pattern must sit on a
    string member the model gives a pattern)."""
    trees: dict[str, Skips] = {}
    for path, kinds in skip.items():
        node, _ = _node(trees, service_model, path)
        node.kinds = node.kinds | kinds
    for path, text in (member_patterns or {}).items():
        node, shape = _node(trees, service_model, path)
        if "pattern" not in shape.metadata:
            raise ValueError(f"validation settings: {path!r} has no pattern in the model")
        node.pattern = text
    return trees


def _node(trees: dict[str, Skips], service_model: ServiceModel, path: str) -> tuple[Skips, Shape]:
    """The tree node for ``Op.A.B`` (made on the way), and the model's shape there."""
    operation_name, *steps = path.split(".")
    if operation_name not in service_model.operation_names or not steps:
        raise ValueError(f"validation settings: {path!r} names no member of a known operation")
    shape = service_model.operation_model(operation_name).input_shape
    node = trees.setdefault(operation_name, Skips())
    for step in steps:
        shape = _step(shape, step)
        if shape is None:
            raise ValueError(f"validation settings: {path!r} is not in the model")
        node = node.children.setdefault(step, Skips())
    return node, shape


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
