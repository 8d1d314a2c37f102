"""The Lambda runtimes: identifiers, deprecation schedule, and which ones
CreateFunction accepts.

The table follows AWS's documentation page "Lambda runtimes"
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html): name,
identifier, operating system, and the dates of deprecation, of blocking function
creation and of blocking function updates (``None`` where AWS publishes none or
the runtime predates the published schedule).

Deprecation status (``/_aws/lambda/runtimes?filter=deprecated``) is computed
from the dates. *Acceptance* is deliberately NOT computed from the calendar: a
local emulator whose behaviour changes on a date would break test suites
overnight. ``accepts_create`` pins the set AWS accepted when its error messages
were last recorded (the order of ``ENUM_ORDER`` below is that recorded list, as
AWS prints it in the "Member must satisfy enum value set" error). Runtimes AWS
had already blocked are refused with AWS's deprecation message; runtimes whose
block date passed later (``python3.8``, ``nodejs18.x``, used by the user guide's
walkthroughs) are still accepted and reported as deprecated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional

AL2023 = "Amazon Linux 2023"
AL2 = "Amazon Linux 2"
AL1 = "Amazon Linux"


@dataclass(frozen=True)
class Runtime:
    identifier: str
    name: str
    os: str
    deprecation: Optional[date] = None
    block_create: Optional[date] = None
    block_update: Optional[date] = None
    accepts_create: bool = True

    def deprecated(self, today: Optional[date] = None) -> bool:
        return self.deprecation is not None and self.deprecation <= (today or date.today())

    def to_json(self, today: Optional[date] = None) -> dict:
        def iso(value: Optional[date]) -> Optional[str]:
            return value.isoformat() if value else None

        return {
            "Identifier": self.identifier,
            "Name": self.name,
            "OperatingSystem": self.os,
            "DeprecationDate": iso(self.deprecation),
            "BlockFunctionCreateDate": iso(self.block_create),
            "BlockFunctionUpdateDate": iso(self.block_update),
            "Deprecated": self.deprecated(today),
            "AcceptsCreate": self.accepts_create,
        }


def _d(text: str) -> date:
    return date.fromisoformat(text)


RUNTIMES: tuple[Runtime, ...] = (
    # Node.js
    Runtime("nodejs24.x", "Node.js 24", AL2023, _d("2028-04-30"), _d("2028-06-01"), _d("2028-07-01")),
    Runtime("nodejs22.x", "Node.js 22", AL2023, _d("2027-04-30"), _d("2027-06-01"), _d("2027-07-01")),
    Runtime("nodejs20.x", "Node.js 20", AL2023, _d("2026-04-30"), _d("2026-06-01"), _d("2026-07-01")),
    Runtime("nodejs18.x", "Node.js 18", AL2, _d("2025-09-01")),
    Runtime("nodejs16.x", "Node.js 16", AL2, _d("2024-06-12"), _d("2026-02-28"), _d("2026-03-31")),
    Runtime("nodejs14.x", "Node.js 14", AL2, _d("2023-12-04"), _d("2024-01-09"), _d("2024-02-08"), False),
    Runtime("nodejs12.x", "Node.js 12", AL2, _d("2023-03-31"), _d("2023-03-31"), _d("2023-04-30"), False),
    Runtime("nodejs10.x", "Node.js 10", AL2, _d("2021-07-30"), _d("2021-07-30"), _d("2022-02-14"), False),
    Runtime("nodejs8.10", "Node.js 8.10", AL1, _d("2019-12-31"), _d("2020-01-06"), _d("2020-02-03"), False),
    Runtime("nodejs6.10", "Node.js 6.10", AL1, _d("2019-04-30"), _d("2019-04-30"), _d("2019-08-12"), False),
    Runtime("nodejs4.3", "Node.js 4.3", AL1, _d("2018-04-30"), _d("2018-12-15"), _d("2019-04-30"), False),
    Runtime("nodejs4.3-edge", "Node.js 4.3 edge", AL1, _d("2018-04-30"), _d("2018-12-15"), _d("2019-04-30"), False),
    Runtime("nodejs", "Node.js 0.10", AL1, _d("2016-10-31"), _d("2016-10-31"), _d("2016-10-31"), False),
    # Python
    Runtime("python3.14", "Python 3.14", AL2023, _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31")),
    Runtime("python3.13", "Python 3.13", AL2023, _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31")),
    Runtime("python3.12", "Python 3.12", AL2023, _d("2028-10-31"), _d("2028-11-30"), _d("2029-01-10")),
    Runtime("python3.11", "Python 3.11", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("python3.10", "Python 3.10", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("python3.9", "Python 3.9", AL2, _d("2025-12-15")),
    Runtime("python3.8", "Python 3.8", AL2, _d("2024-10-14"), _d("2026-02-28"), _d("2026-03-31")),
    Runtime("python3.7", "Python 3.7", AL1, _d("2023-12-04"), _d("2024-01-09"), _d("2024-02-08"), False),
    Runtime("python3.6", "Python 3.6", AL1, _d("2022-07-18"), _d("2022-07-18"), _d("2022-08-29"), False),
    Runtime("python2.7", "Python 2.7", AL1, _d("2021-07-15"), _d("2021-07-15"), _d("2022-05-30"), False),
    # Java
    Runtime("java25", "Java 25", AL2023, _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31")),
    Runtime("java21", "Java 21", AL2023, _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31")),
    Runtime("java17", "Java 17", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("java11", "Java 11", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("java8.al2", "Java 8", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("java8", "Java 8 (Amazon Linux)", AL1, _d("2024-01-08"), _d("2024-02-08"), _d("2024-03-12"), False),
    # .NET
    Runtime("dotnet10", ".NET 10", AL2023, _d("2028-11-14"), _d("2028-12-14"), _d("2029-01-15")),
    Runtime("dotnet8", ".NET 8", AL2023, _d("2026-11-10"), _d("2026-12-10"), _d("2027-01-11")),
    Runtime("dotnet6", ".NET 6", AL2, _d("2024-12-20"), _d("2026-02-28"), _d("2026-03-31")),
    Runtime("dotnetcore3.1", ".NET Core 3.1", AL2, _d("2023-04-03"), _d("2023-04-03"), _d("2023-05-03"), False),
    Runtime("dotnetcore2.1", ".NET Core 2.1", AL1, _d("2022-01-05"), _d("2022-01-05"), _d("2022-04-13"), False),
    Runtime("dotnetcore2.0", ".NET Core 2.0", AL1, _d("2019-04-30"), _d("2019-04-30"), _d("2019-05-30"), False),
    Runtime("dotnetcore1.0", ".NET Core 1.0", AL1, _d("2019-06-27"), _d("2019-06-27"), _d("2019-07-31"), False),
    # Ruby
    Runtime("ruby3.4", "Ruby 3.4", AL2023, _d("2028-03-31"), _d("2028-04-30"), _d("2028-05-31")),
    Runtime("ruby3.3", "Ruby 3.3", AL2023, _d("2027-03-31"), _d("2027-04-30"), _d("2027-05-31")),
    Runtime("ruby3.2", "Ruby 3.2", AL2, _d("2026-03-31"), _d("2026-04-30"), _d("2026-05-31")),
    Runtime("ruby2.7", "Ruby 2.7", AL2, _d("2023-12-07"), _d("2024-01-09"), _d("2024-02-08"), False),
    Runtime("ruby2.5", "Ruby 2.5", AL1, _d("2021-07-30"), _d("2021-07-30"), _d("2022-03-31"), False),
    # OS-only
    Runtime("provided.al2023", "OS-only Runtime", AL2023, _d("2029-06-30"), _d("2029-07-31"), _d("2029-08-31")),
    Runtime("provided.al2", "OS-only Runtime", AL2, _d("2026-06-30"), _d("2026-07-31"), _d("2026-08-31")),
    Runtime("provided", "OS-only Runtime", AL1, _d("2024-01-08"), _d("2024-02-08"), _d("2024-03-12"), False),
    Runtime("go1.x", "Go 1.x", AL1, _d("2024-01-08"), _d("2024-02-08"), _d("2024-03-12"), False),
)

BY_ID: dict[str, Runtime] = {r.identifier: r for r in RUNTIMES}

# The runtimes AWS accepts, in the order AWS lists them in the "enum value set"
# error (recorded from AWS; dotnet10, added to Lambda afterwards, is appended).
ENUM_ORDER: tuple[str, ...] = (
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x", "nodejs22.x",
    "java17", "nodejs16.x", "java25", "dotnet8", "python3.10", "java11", "python3.11", "dotnet6", "java21",
    "nodejs18.x", "provided.al2", "ruby3.3", "ruby3.4", "java8.al2", "ruby3.2", "python3.8", "python3.9",
    "dotnet10",
)

# What AWS recommends instead of a blocked runtime without a recorded answer
# (specs/runtimes/upgrades.json): the newest of its family.
_FAMILY_LATEST = {
    "nodejs": "nodejs24.x",
    "python": "python3.14",
    "java": "java25",
    "dotnet": "dotnet10",
    "ruby": "ruby3.4",
    "provided": "provided.al2023",
    "go": "provided.al2023",
}


def accepted(identifier: str) -> bool:
    runtime = BY_ID.get(identifier)
    return runtime is not None and runtime.accepts_create


def blocked(identifier: str) -> bool:
    """A runtime AWS knows but no longer accepts for create or update."""
    runtime = BY_ID.get(identifier)
    return runtime is not None and not runtime.accepts_create


UPGRADES_FILE = Path(__file__).resolve().parents[2] / "specs" / "runtimes" / "upgrades.json"


#: AWS's recorded recommendation per blocked runtime (read-only).
RECORDED_UPGRADES: Mapping[str, str] = MappingProxyType(json.loads(UPGRADES_FILE.read_text())["upgrades"])

DURABLE_FILE = Path(__file__).resolve().parents[2] / "specs" / "runtimes" / "durable.json"

#: The managed runtimes AWS accepts a DurableConfig for (AWS's list, with its source, in the file).
DURABLE_RUNTIMES: frozenset[str] = frozenset(json.loads(DURABLE_FILE.read_text())["runtimes"])


def upgrade_for(identifier: str) -> str:
    recorded = RECORDED_UPGRADES.get(identifier)
    if recorded is not None:
        return recorded
    for prefix, latest in _FAMILY_LATEST.items():
        if identifier.startswith(prefix):
            return latest
    return "provided.al2023"


def enum_value_set() -> str:
    return "[" + ", ".join(ENUM_ORDER) + "]"


def listing(kind: str, today: Optional[date] = None) -> list[str]:
    """Identifiers for ``/_aws/lambda/runtimes``: ``supported`` (default),
    ``deprecated`` or ``all``."""
    if kind == "all":
        chosen = RUNTIMES
    elif kind == "deprecated":
        chosen = tuple(r for r in RUNTIMES if r.deprecated(today))
    else:
        chosen = tuple(r for r in RUNTIMES if not r.deprecated(today))
    return [r.identifier for r in chosen]


def runtime_version_arn(region: str, identifier: str) -> str:
    """``RuntimeVersionConfig.RuntimeVersionArn``: AWS's form, with a stable
    per-runtime 64-hex version id."""
    import hashlib

    digest = hashlib.sha256(f"lambda-runtime:{identifier}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"
