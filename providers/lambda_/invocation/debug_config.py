"""Which functions are debugged, on which port: read once at start-up.

Two sources, combined:

- ``LAMBDA_DEBUG_MODE_CONFIG_PATH``: a YAML or JSON file in the shape of
  LocalStack's Lambda debug mode file (``specs/debugging/debug-config.schema.json``)::

      functions:
        my-function:                       # a name, name:qualifier, or an ARN
          debug-port: 19891
          wait-for-attach: true            # ours: hold the start until a debugger attaches
        arn:aws:lambda:us-east-1:000000000000:function:other:3:
          debug-port: 19892
          enforce-timeouts: true           # LocalStack's: keep the function's timeout

  An unqualified key means ``$LATEST``, as in LocalStack; a qualifier is a version
  number or ``$LATEST`` (an alias is refused: name the version it routes to). A
  name covers that function in every account and region; an ARN only its own.
- ``LAMBDA_DEBUG_PORT`` (+ ``LAMBDA_DEBUG_FUNCTION``, ``LAMBDA_DEBUG_WAIT``): one
  port for the function ``LAMBDA_DEBUG_FUNCTION`` names (same key syntax), or,
  without it, for every function: then one environment holds the port at a time.

A malformed file, a key or value the schema refuses, or a port given twice is a
start-up error naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

import jsonschema
import yaml

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "specs" / "debugging" / "debug-config.schema.json"
CONFIG_PATH_VARIABLE = "LAMBDA_DEBUG_MODE_CONFIG_PATH"
PORT_VARIABLE = "LAMBDA_DEBUG_PORT"
FUNCTION_VARIABLE = "LAMBDA_DEBUG_FUNCTION"
WAIT_VARIABLE = "LAMBDA_DEBUG_WAIT"
MAX_FILE_BYTES = 1024 * 1024

_KEY = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):function:)?"
    r"(?P<name>[a-zA-Z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[0-9]+))?$"
)


class DebugConfigError(ValueError):
    """The debugging configuration is invalid; the message says where and why."""


@dataclass(frozen=True)
class DebugEntry:
    """One debugged function (or, with ``name`` None, every function)."""

    key: str  # as the user wrote it
    name: Optional[str]
    qualifier: str = "$LATEST"
    account: Optional[str] = None
    region: Optional[str] = None
    port: Optional[int] = None  # None: the timeout is lifted, no debugger is started
    wait_for_attach: bool = False
    enforce_timeouts: bool = False

    def matches(self, account: str, region: str, name: str, version: str) -> bool:
        return ((self.name is None or self.name == name)
                and (self.name is None or self.qualifier == version)
                and self.account in (None, account) and self.region in (None, region))

    @property
    def specificity(self) -> int:
        """An ARN wins over a name, a name over "every function"."""
        return (self.name is not None) + (self.account is not None)


def parse_key(key: str) -> dict[str, Optional[str]]:
    match = _KEY.match(key)
    if match is None:
        raise DebugConfigError(
            f"{key!r} is not a function name, name:qualifier or function ARN (a qualifier is a version number "
            f"or $LATEST)")
    parts = match.groupdict()
    parts["qualifier"] = parts["qualifier"] or "$LATEST"
    return parts


def load_file(path: str) -> list[DebugEntry]:
    """The entries of a debug-mode file (YAML, of which JSON is a subset)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise DebugConfigError(f"{CONFIG_PATH_VARIABLE}: cannot read {path}: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DebugConfigError(f"{CONFIG_PATH_VARIABLE}: {path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        document = yaml.load(raw, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise DebugConfigError(f"{CONFIG_PATH_VARIABLE}: {path} is not valid YAML or JSON: {error}") from None
    schema = json.loads(SCHEMA_FILE.read_text())
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "the document"
        raise DebugConfigError(f"{CONFIG_PATH_VARIABLE}: {path}: at {where}: {problem.message}")
    entries = []
    for key, options in document["functions"].items():
        options = options or {}
        parts = parse_key(key)
        entries.append(DebugEntry(
            key=key, name=parts["name"], qualifier=parts["qualifier"] or "$LATEST", account=parts["account"],
            region=parts["region"], port=options.get("debug-port"),
            wait_for_attach=bool(options.get("wait-for-attach", False)),
            enforce_timeouts=bool(options.get("enforce-timeouts", False)),
        ))
    return entries


def from_variables(env: Mapping[str, str]) -> list[DebugEntry]:
    """The entry ``LAMBDA_DEBUG_PORT`` describes, if set."""
    raw_port = env.get(PORT_VARIABLE, "").strip()
    function = env.get(FUNCTION_VARIABLE, "").strip()
    wait = env.get(WAIT_VARIABLE, "").strip()
    if wait not in ("", "0", "1"):
        raise DebugConfigError(f"{WAIT_VARIABLE}={wait!r} is not valid; allowed values: 0, 1")
    if not raw_port:
        for name, value in ((FUNCTION_VARIABLE, function), (WAIT_VARIABLE, wait)):
            if value:
                raise DebugConfigError(f"{name} needs {PORT_VARIABLE} (the port the debugger listens on)")
        return []
    if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
        raise DebugConfigError(f"{PORT_VARIABLE}={raw_port!r} is not a port (1-65535)")
    if not function:
        return [DebugEntry(key="(every function)", name=None, port=int(raw_port), wait_for_attach=wait == "1")]
    try:
        parts = parse_key(function)
    except DebugConfigError as error:
        raise DebugConfigError(f"{FUNCTION_VARIABLE}: {error}") from None
    return [DebugEntry(key=function, name=parts["name"], qualifier=parts["qualifier"] or "$LATEST",
                       account=parts["account"], region=parts["region"], port=int(raw_port),
                       wait_for_attach=wait == "1")]


def load(env: Mapping[str, str]) -> list[DebugEntry]:
    """Every debug entry the environment configures; [] when debugging is off."""
    entries = []
    path = env.get(CONFIG_PATH_VARIABLE, "").strip()
    if path:
        entries += load_file(path)
    entries += from_variables(env)
    ports: dict[int, str] = {}
    targets: dict[tuple, str] = {}
    for entry in entries:
        target = (entry.name, entry.qualifier, entry.account, entry.region)
        if target in targets:
            raise DebugConfigError(f"{targets[target]!r} and {entry.key!r} configure the same function twice")
        targets[target] = entry.key
        if entry.port is None:
            continue
        if entry.port in ports:
            raise DebugConfigError(f"debug port {entry.port} is given to both {ports[entry.port]!r} and "
                                   f"{entry.key!r}: each debugged function needs a port of its own")
        ports[entry.port] = entry.key
    return entries


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                        f"found duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
