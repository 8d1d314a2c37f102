"""Remote debugging of a function running in a container (``debugger.py`` for
the other executors; ``invocation/debugging.py`` for what else changes while a
function is debugged: its timeout, its one environment).

- The debug port is published on this machine's ``127.0.0.1`` only (the same
  port number on both sides), never on ``0.0.0.0``: the IDE here reaches it,
  nothing beyond the machine does. Docker forwards it to the container's
  address on its network, so inside the container the debugger listens on
  every address of the container (``0.0.0.0``; a debugger on the container's
  loopback would not be reached).
- Python and Node.js zip functions start their interpreter directly (the image's
  ``/var/lang/bin/...`` and ``/var/runtime``, as AWS's runtime bootstrap does, with
  ``AWS_LAMBDA_EXEC_WRAPPER`` honoured), under ``debugpy`` or ``--inspect``, as
  ``debugger.py`` says. debugpy is the runtime's own directory of
  ``.venv/lambda-runtimes`` (``pythons.debugger_dir``), mounted read-only at
  ``/var/debugger`` and put on ``PYTHONPATH`` only for a debugged environment.
- Waiting for the debugger with Node.js: ``--inspect-wait`` where AWS's image has
  it (``nodejs20.x`` and later: AWS's images carry Node.js 20.15 / 22.2 or later),
  else ``--inspect-brk``.
- ``provided.*`` functions and container images start as always: their own start
  runs whatever debugger it likes, listening on ``0.0.0.0:<port>`` in the
  container to be reached through the published port.
"""

from __future__ import annotations

from typing import Optional

from ..base import EnvironmentSpec
from ..debugger import SANDBOX_DEBUGGER_DIR, DebugSpec, debugger_dir, interpreter_args, python_path
from ..layout import SANDBOX_PATHS, ResolvedRuntime, command, runtime_family

LISTEN_HOST = "0.0.0.0"  # inside the container only: see the module docstring
PUBLISH_HOST = "127.0.0.1"
FIRST_NODE_MAJOR_WITH_INSPECT_WAIT = 20


def _resolved(runtime: str) -> Optional[ResolvedRuntime]:
    """The runtime as AWS's image lays it out, for Python and Node.js."""
    family = runtime_family(runtime)
    if family == "python":
        version = runtime[len("python"):]
        return ResolvedRuntime(runtime, family, f"/var/lang/bin/python{version}", "/var/lang", "/var/runtime", version)
    if family == "nodejs":
        major = runtime[len("nodejs"):].split(".")[0]
        return ResolvedRuntime(runtime, family, "/var/lang/bin/node", "/var/lang", "/var/runtime", major)
    return None


def runtime_command(spec: EnvironmentSpec) -> Optional[list[str]]:
    """The command starting a zip function's runtime under its debugger, or None
    when the function starts as always (no debugger, a custom runtime, an image)."""
    if spec.debug is None or spec.image_uri or not spec.runtime:
        return None
    resolved = _resolved(spec.runtime)
    if resolved is None:
        return None
    inspect_wait = resolved.family == "nodejs" and resolved.version.isdigit() \
        and int(resolved.version) >= FIRST_NODE_MAJOR_WITH_INSPECT_WAIT
    return command(resolved, SANDBOX_PATHS, spec.handler, None, spec.environment.get("AWS_LAMBDA_EXEC_WRAPPER"),
                   interpreter_args(resolved, spec.debug, LISTEN_HOST, inspect_wait))


def debugger_mount(spec: EnvironmentSpec) -> Optional[tuple[str, str]]:
    """(host directory, container path) of debugpy for a debugged Python zip
    function; None otherwise. Raises ExecutorError when it is not installed."""
    if runtime_command(spec) is None:
        return None
    resolved = _resolved(spec.runtime or "")
    assert resolved is not None
    directory = debugger_dir(resolved.family, resolved.version, spec.debug)
    return (directory, SANDBOX_DEBUGGER_DIR) if directory else None


def with_debugger_path(variables: dict[str, str]) -> None:
    """``PYTHONPATH`` with ``/var/debugger`` last (after the runtime's)."""
    variables["PYTHONPATH"] = python_path(variables.get("PYTHONPATH", ""), SANDBOX_DEBUGGER_DIR)


def published_port(debug: Optional[DebugSpec]) -> Optional[tuple[str, tuple[str, int]]]:
    """(container port, (host address, host port)) for the debug port, or None."""
    if debug is None:
        return None
    return f"{debug.port}/tcp", (PUBLISH_HOST, debug.port)
