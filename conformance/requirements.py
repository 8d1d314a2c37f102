"""AWS's conformance requirements (YAML) as data, with their variables.

A requirement file's keys, as AWS's package uses them:

- ``Input``: the invoke payload (``null`` sends JSON ``null``), after variables.
- ``Variables``: ``NAME: ${GEN_STR:n}`` binds NAME to n random lowercase
  letters/digits; any other value binds NAME to that literal.
- ``AsyncInvoke``: invoke with ``InvocationType=Event`` and poll the history;
  otherwise invoke synchronously and read the history once the invoke returns.
- ``CallbackActions``: for each ``CallbackStarted`` event whose ``Name`` matches
  ``CallbackName`` (``*`` any, ``${/re/}`` a regular expression), after ``Delay``
  seconds send ``success`` (``Payload`` as JSON), ``failure`` (``Payload``'s
  ErrorType/ErrorMessage/ErrorData/StackTrace) or ``heartbeat``; each action is
  used once, and a heartbeat leaves its callback open for a later action.
- ``AsyncConfig``: ``PollIntervalSeconds`` / ``NoProgressTimeoutSeconds``.
- ``ExpectedExecutionHistory``: events matched by ``EventId`` (see history_match).
- ``ExpectedResult``: ``ExecutionStatus`` and, when the execution succeeded,
  ``Result`` compared with GetDurableExecution's Result after one ``json.loads``.
  Without it an async requirement passes as soon as the history matches.
- ``ExpectedLogs``: records the function's log group must hold (see log_check).
- ``optional``: a failure is reported but does not count against the figure.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

_GENERATOR = re.compile(r"^\$\{GEN_STR:(\d+)\}$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ALPHABET = string.ascii_lowercase + string.digits

DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_NO_PROGRESS_TIMEOUT = 30.0


@dataclass(frozen=True)
class CallbackAction:
    callback_name: str
    operation: str  # success | failure | heartbeat
    payload: Any = None
    delay: float = 0.0


@dataclass(frozen=True)
class Requirement:
    id: str
    suite: str
    path: Path
    description: str
    data: dict[str, Any]

    @property
    def is_async(self) -> bool:
        return bool(self.data.get("AsyncInvoke"))

    @property
    def optional(self) -> bool:
        return bool(self.data.get("optional"))

    @property
    def expected_history(self) -> list[dict[str, Any]]:
        return list(self.data.get("ExpectedExecutionHistory") or [])

    @property
    def expected_result(self) -> Optional[dict[str, Any]]:
        return self.data.get("ExpectedResult")

    @property
    def expected_logs(self) -> list[dict[str, Any]]:
        return list(self.data.get("ExpectedLogs") or [])

    @property
    def callback_actions(self) -> list[CallbackAction]:
        actions = []
        for raw in self.data.get("CallbackActions") or []:
            operation = str(raw["Operation"]).lower()
            if operation not in ("success", "failure", "heartbeat"):
                raise ValueError(f"{self.id}: unknown callback operation {raw['Operation']!r}")
            actions.append(CallbackAction(str(raw["CallbackName"]), operation, raw.get("Payload"),
                                          float(raw.get("Delay", 0))))
        return actions

    @property
    def poll_interval(self) -> float:
        return float((self.data.get("AsyncConfig") or {}).get("PollIntervalSeconds", DEFAULT_POLL_INTERVAL))

    @property
    def no_progress_timeout(self) -> float:
        config = self.data.get("AsyncConfig") or {}
        return float(config.get("NoProgressTimeoutSeconds", DEFAULT_NO_PROGRESS_TIMEOUT))


def sort_key(requirement_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in requirement_id.split("-"))


def load_all(root: Path) -> list[Requirement]:
    """Every requirement under ``root/<suite>/<id>.yaml``, in numeric id order."""
    found = []
    for path in root.glob("*/*.yaml"):
        data = yaml.safe_load(path.read_text())
        found.append(Requirement(path.stem, path.parent.name, path, str(data.get("description", "")), data))
    return sorted(found, key=lambda requirement: sort_key(requirement.id))


@dataclass
class Bindings:
    """Placeholder values: the requirement's variables, then those the history binds."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_variables(cls, variables: Optional[dict[str, Any]]) -> "Bindings":
        values: dict[str, Any] = {}
        for name, value in (variables or {}).items():
            generator = _GENERATOR.match(value) if isinstance(value, str) else None
            if generator:
                values[name] = "".join(secrets.choice(_ALPHABET) for _ in range(int(generator.group(1))))
            else:
                values[name] = value if isinstance(value, str) else str(value)
        return cls(values)

    def substitute(self, data: Any) -> Any:
        """``data`` with every bound ``${NAME}`` replaced (unbound ones are left as they are)."""
        if isinstance(data, str):
            return _REFERENCE.sub(lambda m: str(self.values[m.group(1)]) if m.group(1) in self.values
                                  else m.group(0), data)
        if isinstance(data, dict):
            return {key: self.substitute(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.substitute(item) for item in data]
        return data
