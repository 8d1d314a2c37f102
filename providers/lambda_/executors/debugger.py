"""Starting a runtime under a debugger (the process and sandbox executors; the
docker executor's particulars are in ``docker/debug.py``).

- Python: ``python -m debugpy --listen 127.0.0.1:<port> [--wait-for-client] -m
  awslambdaric <handler>``. debugpy comes from its own directory
  (``pythons.debugger_dir``), put on ``PYTHONPATH`` (and, in a sandbox, mounted
  at ``/var/debugger``) only for an environment being debugged: a function that
  is not debugged cannot import it, as on AWS.
- Node.js: ``node --inspect=127.0.0.1:<port>``; waiting for a debugger is
  ``--inspect-wait`` (Node.js 20.15 / 22.2 and later: it waits without breaking),
  else ``--inspect-brk`` (older majors: the debugger first stops on the runtime's
  first line; continue from there).
- ``provided.*``: the function's own bootstrap starts whatever debugger it likes;
  nothing is added (the timeout is still lifted).

The port listens on 127.0.0.1 only: the sandbox shares the host's network
namespace, so the IDE on this machine reaches it there, and nothing beyond the
machine does. (A container's port is published on the host's 127.0.0.1 only.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from . import nodes, pythons
from .base import ExecutorError

if TYPE_CHECKING:
    from .layout import ResolvedRuntime

DEBUG_HOST = "127.0.0.1"
SANDBOX_DEBUGGER_DIR = "/var/debugger"


@dataclass(frozen=True)
class DebugSpec:
    """How an environment's runtime is debugged: the port its debugger listens
    on, and whether the runtime waits for a debugger before loading the handler."""

    port: int
    wait_for_attach: bool = False


def debugger_dir(family: str, version: str, debug: Optional[DebugSpec]) -> Optional[str]:
    """The host directory holding the debugger for this runtime (Python's debugpy),
    or None when none is needed. Raises ExecutorError when it is not installed."""
    if debug is None or family != "python":
        return None
    if not pythons.has_debugger(version):
        raise ExecutorError(f"debugpy is not installed for python{version} (debugging is on for this function): "
                            f"run `make install`")
    return str(pythons.debugger_dir(version))


def interpreter_args(resolved: "ResolvedRuntime", debug: Optional[DebugSpec], listen_host: str = DEBUG_HOST,
                     inspect_wait: Optional[bool] = None) -> list[str]:
    """Arguments that go right after the interpreter in the runtime's command.
    ``listen_host``: where the debugger listens, as the runtime sees it (a
    container's debugger listens on every address of the container, see
    ``docker/debug.py``); ``inspect_wait``: whether Node.js has ``--inspect-wait``
    (None: ask ``resolved.binary``)."""
    if debug is None:
        return []
    address = f"{listen_host}:{debug.port}"
    if resolved.family == "python":
        # Frozen standard modules (3.11+) would make debugpy miss breakpoints set in them.
        frozen = ["-X", "frozen_modules=off"] if _version_tuple(resolved.version) >= (3, 11) else []
        return [*frozen, "-m", "debugpy", "--listen", address,
                *(["--wait-for-client"] if debug.wait_for_attach else [])]
    if resolved.family == "nodejs":
        if not debug.wait_for_attach:
            return [f"--inspect={address}"]
        if inspect_wait is None:
            version = _version_tuple(nodes.node_version(resolved.binary) if resolved.binary else None)
            inspect_wait = version >= (22, 2) or (20, 15) <= version < (21,)
        return [f"--inspect-wait={address}" if inspect_wait else f"--inspect-brk={address}"]
    return []


def python_path(current: str, seen_dir: Optional[str]) -> str:
    """``PYTHONPATH`` with the debugger's directory last (after the runtime's)."""
    if not seen_dir:
        return current
    return f"{current}:{seen_dir}" if current else seen_dir


def _version_tuple(version: Optional[str]) -> tuple[int, ...]:
    """``"20.15.1"`` -> (20, 15); ``"3.12"`` -> (3, 12); () when unknown."""
    try:
        return tuple(int(part) for part in (version or "").split(".")[:2])
    except ValueError:
        return ()
