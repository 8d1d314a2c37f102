"""Which local directories may be a hot-reload function's code.

A hot-reload function (``S3Bucket=<BUCKET_MARKER_LOCAL>``, ``S3Key=<absolute
directory>``) runs the directory itself: it is mounted or linked into its
environments and read by whoever can invoke the function. So the directory,
after resolving symlinks, must not be or hold what a local emulator must never
hand out:

- ``/`` and the system trees (``/etc``, ``/proc``, ``/sys``, ``/dev``,
  ``/boot``, ``/usr``, ``/bin``, ``/lib``, ``/run``, ``/var/lib``, ...), and the
  top of the shared trees (``/home``, ``/var``, ``/tmp``, ``/opt``, ...:
  refused themselves, their subdirectories allowed);
- the user's home directory itself (or anything holding it), credential
  directories (``~/.ssh``, ``~/.aws``, ``~/.gnupg``, ``~/.config/gcloud``,
  ``~/.kube``, ``~/.docker``, ...: anything inside them, anything holding one,
  wherever they are);
- the gateway's own data (``DATA_DIR``, its state directories): anything
  inside it or holding it.

``LAMBDA_HOT_RELOAD_ROOTS`` (colon- or comma-separated directories) further
restricts hot reload to directories under those roots; the rules above still
apply inside them.

The rules are checked on CreateFunction / UpdateFunctionCode (an AWS-shaped
``InvalidParameterValueException``) and again each time an environment starts
(the directory, or a symlink on its path, may have changed since). A directory
that does not exist yet is accepted on create, as LocalStack does (build output
often appears later); an environment cannot start until it exists.
"""

from __future__ import annotations

import os
import pwd
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    from gateway.config import Config

# Refused with everything beneath them.
SYSTEM_TREES = (
    "/etc", "/proc", "/sys", "/dev", "/boot", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr",
    "/run", "/snap", "/nix", "/lost+found", "/var/lib", "/var/log", "/var/run", "/var/spool", "/var/cache",
    "/var/mail", "/var/backups", "/var/db", "/private/etc", "/private/var/db", "/private/var/root", "/System",
    "/Library", "/cores",
)
# Refused themselves (they hold other users' or the system's files); beneath them is allowed.
SHARED_TOPS = (
    "/home", "/Users", "/root", "/var", "/tmp", "/var/tmp", "/opt", "/srv", "/mnt", "/media", "/private",
    "/private/var", "/private/tmp", "/Volumes", "/workspace", "/workspaces",
)
# Where credentials live, relative to a home directory: refused with everything
# beneath them, wherever they are.
CREDENTIAL_DIRS = (
    ".ssh", ".aws", ".gnupg", ".kube", ".docker", ".azure", ".password-store", ".config/gcloud", ".config/gh",
    ".config/op", ".local/share/keyrings", ".terraform.d", ".oci",
)
# A directory holding one of these is someone's home: refused itself.
HOME_MARKERS = (".ssh", ".aws", ".gnupg", ".kube", ".password-store", ".config/gcloud")
_SEPARATORS = re.compile(r"[:,]")


class HotReloadRefused(ValueError):
    """Why a directory may not be hot-reloaded (a sentence for the user)."""


def _within(path: Path, tree: Path) -> bool:
    return path == tree or tree in path.parents


def _resolve(value: str) -> Path:
    return Path(os.path.realpath(value))


def _homes() -> list[Path]:
    """The home directories of the user running the gateway (and of the user who
    ran it through sudo)."""
    found = [os.environ.get("HOME", "")]
    try:
        found.append(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        pass
    sudo_user = os.environ.get("SUDO_USER")
    if sudo_user:
        try:
            found.append(pwd.getpwnam(sudo_user).pw_dir)
        except KeyError:
            pass
    return [_resolve(home) for home in found if home and os.path.isabs(home)]


@dataclass(frozen=True)
class HotReloadRules:
    protected: tuple[Path, ...]  # the gateway's data (resolved)
    homes: tuple[Path, ...]
    roots: tuple[Path, ...] = ()  # LAMBDA_HOT_RELOAD_ROOTS (resolved); empty: anywhere else

    @classmethod
    def from_config(cls, config: "Config", state_dirs: Iterable[Path]) -> "HotReloadRules":
        protected = {_resolve(str(config.data_dir.absolute()))}
        protected.update(_resolve(str(Path(path).absolute())) for path in state_dirs)
        return cls(protected=tuple(sorted(protected)), homes=tuple(_homes()), roots=parse_roots(config))

    def check(self, directory: str) -> Path:
        """The directory to run, resolved; ``HotReloadRefused`` says why not."""
        if not os.path.isabs(directory):
            raise HotReloadRefused("the archive key has to be an absolute path")
        resolved = _resolve(directory)
        shown = directory if str(resolved) == os.path.normpath(directory) else f"{directory} (resolved: {resolved})"
        reason = self._reason(resolved)
        if reason:
            raise HotReloadRefused(f"hot reloading is not allowed for {shown}: {reason}")
        return resolved

    def _reason(self, path: Path) -> Optional[str]:
        if path == Path(path.anchor):
            return "it is the root directory"
        for tree in SYSTEM_TREES:
            if _within(path, Path(tree)):
                return f"it lies in the system directory {tree}"
        if str(path) in SHARED_TOPS:
            return "it holds other users' or the system's files; use a directory beneath it"
        for protected in self.protected:
            if _within(path, protected):
                return f"it lies in the gateway's data directory {protected}"
            if path in protected.parents:
                return f"it contains the gateway's data directory {protected}"
        credentials = self._credential_reason(path)
        if credentials:
            return credentials
        if self.roots and not any(_within(path, root) for root in self.roots):
            return f"it is not under LAMBDA_HOT_RELOAD_ROOTS ({', '.join(str(root) for root in self.roots)})"
        return None

    def _credential_reason(self, path: Path) -> Optional[str]:
        for home in self.homes:
            if _within(home, path):
                return "it is (or contains) the home directory " + str(home)
            for relative in CREDENTIAL_DIRS:
                if _within(path, home / relative):
                    return f"it lies in the credential directory {home / relative}"
        text = f"{path}/"
        for relative in CREDENTIAL_DIRS:
            if f"/{relative}/" in text:
                return f"it lies in a credential directory ({relative})"
        for relative in HOME_MARKERS:
            if os.path.lexists(path / relative):
                return f"it contains the credential directory {path / relative}"
        return None


def parse_roots(config: "Config") -> tuple[Path, ...]:
    value = config.string("LAMBDA_HOT_RELOAD_ROOTS")
    roots = [part.strip() for part in _SEPARATORS.split(value) if part.strip()]
    return tuple(_resolve(root) for root in roots)

