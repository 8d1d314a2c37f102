"""Damaged persisted state: found, reported, kept visible, never silently lost.

- A state file that cannot be parsed or restored is moved aside as
  ``<name>.corrupt-<timestamp>`` (never overwritten, never deleted) and logged
  at ERROR with where it went. A function's file leaves a function of that name
  (the name is the file name) in ``State: Failed``, ``StateReasonCode:
  InternalError``, with the reason; it can be deleted and created again.
- A code blob that is missing or of the wrong size (checked at start) or whose
  SHA-256 differs from ``CodeSha256`` (checked before it is first unpacked) is
  moved aside, and every version running it goes to ``State: Failed`` with
  ``StateReasonCode: InvalidZipFileException`` (AWS's code for "Lambda could not
  unzip the deployment package"); invoking it answers AWS's
  ``ResourceConflictException`` for a function in the Failed state.
  ``UpdateFunctionCode`` with good code makes ``$LATEST`` Active again.

Each finding is a ``Damage``, listed in ``/_gateway/health`` under the Lambda
provider's ``errors``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .arns import function_arn
from .models import LATEST, CodeInfo, Function, FunctionVersion, now_timestamp
from .state import VersionFailed, mark_failed

if TYPE_CHECKING:
    from .store import Stores

log = logging.getLogger("lambda.damage")

STATE_REASON_CODE = "InternalError"
CODE_REASON_CODE = "InvalidZipFileException"


@dataclass
class Damage:
    kind: str  # "state file", "code", "event journal"
    path: str
    reason: str
    moved_to: Optional[str] = None
    resources: list[str] = field(default_factory=list)  # ARNs of what it affects

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, [])}


def move_aside(path: Path) -> Optional[Path]:
    """Rename a damaged file to ``<name>.corrupt-<timestamp>[-n]`` next to it
    (never over an existing file); None when it does not exist."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for attempt in range(1000):
        target = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{attempt}" if attempt else ""))
        try:
            os.link(path, target)  # fails if target exists: nothing is overwritten
        except FileExistsError:
            continue
        except FileNotFoundError:
            return None
        os.unlink(path)
        return target
    raise OSError(f"no free name to move {path} aside")


# Unreadable state files ---------------------------------------------------------------------
def unreadable_function(name: str, account_id: str, region: str, reason: str) -> Function:
    """What is left of a function whose state file could not be read: its name, Failed."""
    config = {
        "FunctionName": name,
        "FunctionArn": function_arn(region, account_id, name),
        "Version": LATEST,
        "LastModified": now_timestamp(),
        "PackageType": "Zip",
        "CodeSha256": "",
        "CodeSize": 0,
    }
    mark_failed(config, creating=True, failure=VersionFailed(reason, STATE_REASON_CODE))
    return Function(name=name, account_id=account_id, region=region, latest=FunctionVersion(config=config))


def unreadable_state_reason(error: str, moved_to: Optional[Path]) -> str:
    kept = f"; the damaged file was kept as {moved_to.name}" if moved_to else ""
    return f"The function's saved state could not be read ({error}){kept}. Delete the function and create it again."


# Code blobs -----------------------------------------------------------------------------------
def blob_problem(path: Path, size: int) -> Optional[str]:
    """Cheap start-up check of a stored zip: present, and of its recorded size."""
    try:
        actual = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if actual != size:
        return f"truncated or damaged ({actual} bytes stored, {size} expected)"
    return None


def checksum_problem(path: Path, sha256_b64: str) -> Optional[str]:
    """Full check before the code is first unpacked: its SHA-256 is ``CodeSha256``."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    if base64.b64encode(digest.digest()).decode() != sha256_b64:
        return "damaged (its SHA-256 does not match CodeSha256)"
    return None


def code_reason(problem: str, layer: Optional[str] = None) -> str:
    what = f"the code of layer {layer}" if layer else "the stored deployment package"
    return (f"Lambda could not unzip the deployment package: {what} is {problem}. "
            "Upload the code again with UpdateFunctionCode.")


def fail_version(version: FunctionVersion, reason: str) -> bool:
    """Move one version to Failed (call under the store lock); False if it already is."""
    config = version.config
    if config.get("State") == "Failed" and config.get("StateReasonCode") == CODE_REASON_CODE:
        return False
    mark_failed(config, creating=True, failure=VersionFailed(reason, CODE_REASON_CODE))
    return True


def version_arn(function: Function, version: FunctionVersion) -> str:
    return function_arn(function.region, function.account_id, function.name, version.qualifier)


def fail_versions_running(stores: "Stores", key: str, reason: str) -> list[str]:
    """Every function version whose code is blob ``key`` goes to Failed (saved);
    returns their ARNs."""
    affected = []
    for store in stores.all():
        with store.lock:
            for function in store.functions.values():
                changed = False
                for version in [function.latest, *function.versions.values()]:
                    if stores.code.key_of(version.code) == key:
                        affected.append(version_arn(function, version))
                        changed = fail_version(version, reason) or changed
                if changed:
                    store.save_function(function)
    return affected


def check_code_blobs(stores: "Stores") -> list[Damage]:
    """Start-up: every stored zip that functions or layers use is present and of
    its size; damaged ones are moved aside and their versions fail."""
    expected: dict[str, tuple[CodeInfo, list[str]]] = {}  # key -> (a code using it, layer ARNs using it)
    for store in stores.all():
        with store.lock:
            for function in store.functions.values():
                for version in [function.latest, *function.versions.values()]:
                    key = stores.code.key_of(version.code)
                    if key:
                        expected.setdefault(key, (version.code, []))
            for layer in store.layers.values():
                for number, layer_version in layer.versions.items():
                    key = stores.code.key_of(layer_version.code)
                    if key:
                        expected.setdefault(key, (layer_version.code, []))[1].append(f"{layer.arn}:{number}")
    found = []
    for key, (code, layers) in sorted(expected.items()):
        path = stores.code.path_for(key)
        problem = blob_problem(path, code.size)
        if problem is None:
            continue
        moved = move_aside(path) if problem != "missing" else None
        stores.code.forget(key)
        affected = fail_versions_running(stores, key, code_reason(problem)) + layers
        damage = Damage("code", str(path), f"code blob {problem}", str(moved) if moved else None, affected)
        found.append(damage)
        log.error("damaged Lambda code %s: %s%s; now Failed: %s", path, problem,
                  f" (moved to {moved})" if moved else "", ", ".join(affected) or "(nothing uses it)")
    return found
