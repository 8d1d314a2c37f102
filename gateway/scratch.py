"""A per-process scratch directory, and removal of dead processes' leftovers.

Temporary directories (execution environments, the state of a gateway run
without ``PERSISTENCE``) live under one directory per gateway process::

    $TMPDIR/lambda-gateway-<uid>/<pid>-<start ticks>-<token>/owner.json

The name says which process owns it: its pid and the kernel's start time of
that pid (so a recycled pid is not mistaken for the owner); ``owner.json``
repeats it with the boot id. A ``kill -9`` leaves the directory behind; the next
gateway to start removes every directory whose owner is gone, and never touches
one whose owner still runs or whose name it does not recognise.

The base directory is private to the user (mode 0700, owned by them, not a
symlink); if someone else holds the name, a fresh private directory is used and
nothing is swept.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger("gateway.scratch")

OWNER_FILE = "owner.json"
_NAME = re.compile(r"^(?P<pid>\d+)-(?P<start>\d+)-[0-9a-f]+$")


def process_start_ticks(pid: int) -> Optional[int]:
    """When ``pid`` started (clock ticks since boot, Linux ``/proc/<pid>/stat``
    field 22); None when it does not exist or this is not Linux."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    try:  # the command name may hold spaces and parentheses: fields follow the last ')'
        return int(raw[raw.rindex(b")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def owner_alive(pid: int, start_ticks: int) -> bool:
    """Whether the process that created a scratch directory still runs."""
    if Path("/proc/self/stat").exists():
        current = process_start_ticks(pid)
        return current is not None and (start_ticks == 0 or current == start_ticks)
    try:  # no /proc: the pid alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_base() -> Path:
    return Path(tempfile.gettempdir()) / f"lambda-gateway-{os.getuid()}"


def _private_base(base: Path) -> Optional[Path]:
    """``base``, created if needed, if it is a real directory only this user can
    enter; None otherwise."""
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(base)
    except OSError as error:
        log.warning("scratch base %s is unusable (%s)", base, error)
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        log.warning("scratch base %s is not a directory of this user; using a fresh one", base)
        return None
    if info.st_mode & 0o077:
        os.chmod(base, 0o700)
    return base


class Scratch:
    """The scratch directory of one gateway (``root``), removed by ``remove()``."""

    def __init__(self, root: Path, sweepable_base: Optional[Path]) -> None:
        self.root = root
        self._base = sweepable_base  # None: a private fallback parent, removed with root

    @classmethod
    def create(cls, base: Optional[Path] = None) -> "Scratch":
        pid = os.getpid()
        ticks = process_start_ticks(pid) or 0
        usable = _private_base(base or default_base())
        parent = usable or Path(tempfile.mkdtemp(prefix="lambda-gateway-"))
        root = parent / f"{pid}-{ticks}-{secrets.token_hex(4)}"
        root.mkdir(mode=0o700)
        owner = {"pid": pid, "start_ticks": ticks, "boot_id": boot_id(), "created": time.time()}
        (root / OWNER_FILE).write_text(json.dumps(owner))
        return cls(root, usable)

    def directory(self, prefix: str) -> Path:
        """A new, empty directory inside this scratch directory."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.root))

    def remove_dead(self) -> list[Path]:
        """Remove the scratch directories of gateways that are no longer running;
        returns what was removed."""
        if self._base is None:
            return []
        removed = []
        current_boot = boot_id()
        for entry in sorted(self._base.iterdir()):
            match = _NAME.match(entry.name)
            if not match or entry == self.root or entry.is_symlink() or not entry.is_dir():
                continue
            pid, ticks = int(match["pid"]), int(match["start"])
            try:
                owner = json.loads((entry / OWNER_FILE).read_text())
            except (OSError, ValueError):
                owner = {}
            rebooted = bool(current_boot and owner.get("boot_id") and owner["boot_id"] != current_boot)
            if not rebooted and owner_alive(pid, ticks):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            log.info("removed %s, left behind by gateway process %s (no longer running)", entry, pid)
            removed.append(entry)
        return removed

    def remove(self) -> None:
        shutil.rmtree(self.root if self._base else self.root.parent, ignore_errors=True)


def scratch_directory(config: "Config", prefix: str) -> Path:
    """A new directory for temporary files under the gateway's scratch directory
    (``config.scratch_dir``, set by the Gateway), so that a crash's leftovers are
    removed at the next start. Outside a gateway (a plugin built on its own, in a
    test) the process gets a scratch directory of its own."""
    root = config.scratch_dir
    if root is None:
        return Scratch.create().directory(prefix)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))
