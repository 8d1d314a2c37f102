"""ResourceNotFoundException (and kin) per resource kind, in AWS's words, as data:
``specs/errors/lambda-not-found.json`` (each text cites the AWS response it was
recorded from). Read once, at import; the texts never change at run time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional

from gateway.errors import ServiceError

SPEC = Path(__file__).resolve().parents[2] / "specs" / "errors" / "lambda-not-found.json"


@dataclass(frozen=True)
class NotFound:
    """One kind's answer: error code, message template, the body's ``Type`` (None: none)."""

    code: str
    message: str
    type: Optional[str]
    status: int = 404


def load(path: Path = SPEC) -> Mapping[str, NotFound]:
    kinds = json.loads(path.read_text())["kinds"]
    return MappingProxyType({
        kind: NotFound(entry["code"], entry["message"], entry["type"], entry.get("status", 404))
        for kind, entry in kinds.items()
    })


KINDS = load()


def not_found_message(kind: str, **values: str) -> str:
    return KINDS[kind].message.format(**values)


def not_found_error(kind: str, **values: str) -> ServiceError:
    """AWS's error for a ``kind`` resource that does not exist."""
    entry = KINDS[kind]
    error = ServiceError(entry.code, entry.message.format(**values), status=entry.status)
    error.members["Type"] = entry.type  # None: serialized without Type, as AWS sends it
    return error
