"""Per-shape checks, compiled once per operation into nested closures that
only test what the model constrains; a value without violations allocates
nothing. A check is ``check(value, path, errors)`` and appends AWS's text of
each violation to ``errors``, in model member order."""

from __future__ import annotations

from typing import Any, Callable, Optional

from botocore.model import OperationModel, Shape

from .messages import path_name, renderer
from .rules import scalar_rules, size_rules
from .settings import Skips, ValidationSettings

Check = Callable[[Any, str, list], None]


class CheckCompiler:
    """Compiles checks for one service's shapes. Not thread-safe: the caller
    (``ParamValidator``) compiles under its lock."""

    def __init__(self, settings: ValidationSettings, skips: dict[str, Skips]) -> None:
        self.settings = settings
        self._skips = skips
        self._shapes: dict[str, Optional[Check]] = {}
        self._patterns: dict = {}

    def compile_operation(self, operation: OperationModel) -> Optional[Check]:
        shape = operation.input_shape
        if shape is None or not self.settings.enabled:
            return None
        return self._compile(shape, self._skips.get(operation.name))

    def _compile(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
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

    def _build(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
        type_name = shape.type_name
        if type_name == "structure":
            return self._structure(shape, skips)
        if type_name == "list":
            return self._list(shape, skips)
        if type_name == "map":
            return self._map(shape, skips)
        return self._scalar(shape, skips)

    def _structure(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
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
                members.append((name, path_name(name), is_required, check))
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

    def _list(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
        kinds = skips.kinds if skips else frozenset()
        rules = size_rules(shape, kinds)
        member_node = skips.child("member") if skips else None
        element = self._element(shape.member, member_node, "Member must satisfy constraint")
        if not rules and element is None:
            return None
        render = renderer(shape)

        def check_list(value: Any, path: str, errors: list) -> None:
            if type(value) is not list:
                return
            for ok, text in rules:
                if not ok(value):
                    errors.append(render(value, path, text))
            if element is not None:
                element(value, path, errors, render)

        return check_list

    def _map(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
        kinds = skips.kinds if skips else frozenset()
        rules = size_rules(shape, kinds)
        keys = self._element(shape.key, skips.child("key") if skips else None, "Map keys must satisfy constraint", keys=True)
        values = self._element(shape.value, skips.child("value") if skips else None, "Map value must satisfy constraint")
        if not rules and keys is None and values is None:
            return None
        render = renderer(shape)

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

    def _element(self, shape: Shape, skips: Optional[Skips], label: str, keys: bool = False):
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
        rules = scalar_rules(shape, kinds, self._patterns, self.settings, skips.pattern if skips else None)
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

    def _scalar(self, shape: Shape, skips: Optional[Skips]) -> Optional[Check]:
        rules = scalar_rules(shape, skips.kinds if skips else frozenset(), self._patterns, self.settings,
                             skips.pattern if skips else None)
        if not rules:
            return None
        render = renderer(shape)

        def check_scalar(value: Any, path: str, errors: list) -> None:
            for ok, text in rules:
                if not ok(value):
                    errors.append(render(value, path, text))

        return check_scalar
