"""Finding a CPython for each ``python3.x`` runtime, and AWS's runtime interface
client for it.

A runtime runs under the matching CPython: the interpreter named for it in
``LAMBDA_RUNTIME_INTERPRETERS`` (``python3.12=/path/to/python3.12``), else one
found on the machine (pyenv, ``/usr/bin``, ``/usr/local/bin``; always resolved
to its real binary: a pyenv shim costs ~70 ms per start).

What AWS keeps in ``/var/runtime`` (``awslambdaric``, boto3 and their
dependencies) lives per version under ``<venv>/lambda-runtimes/python3.x``, the
project's own directory: ``make install`` fills it with ``pip install
--target`` (``python -m providers.lambda_.executors.pythons``); the user's
interpreters are only read, never changed. Each such directory also holds a
``sitecustomize.py`` that puts the function's code and its layers' Python paths
first on ``sys.path`` inside a sandbox, as AWS's Python runtimes do, without a
``PYTHONPATH`` AWS does not set.

The runtimes AWS runs durable functions on (``specs/runtimes/durable.json``:
python3.13, python3.14) also carry AWS's durable execution SDK there
(``aws-durable-execution-sdk-python``; "Lambda Node.js and Python runtimes include
the durable execution SDK", Supported runtimes for durable functions), with the
boto3 it needs: a function imports it without bundling it, and a copy bundled in
its code or a layer comes first on the path, as on AWS.

``debugpy`` (remote debugging, ``invocation/debugging.py``) is installed the same
way into a directory of its own, ``<venv>/lambda-runtimes/debugpy/python3.x``:
it is put on a function's path only while that function is being debugged.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping, Optional

from ..runtimes import DURABLE_RUNTIMES
from . import progress

RUNTIME_VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
RIC_ROOT = Path(sys.prefix) / "lambda-runtimes"
PACKAGES = ("awslambdaric", "boto3")
DEBUGGER_PACKAGES = ("debugpy>=1.8,<2",)
DURABLE_SDK = "aws-durable-execution-sdk-python>=3,<4"
DURABLE_SDK_MODULE = "aws_durable_execution_sdk_python"
#: The SDK's only dependency besides itself (its 3.x requirement).
DURABLE_BOTO3 = "boto3>=1.43.114"
DURABLE_BOTO3_MINIMUM = (1, 43, 114)
INTERPRETERS_VARIABLE = "LAMBDA_RUNTIME_INTERPRETERS"
PIP_PROGRESS = ("Collecting", "Processing", "Downloading", "Installing collected packages", "ERROR")  # pip's lines passed on

SITECUSTOMIZE = '''\
"""Written by lambda-gateway: AWS's Python runtimes search the function's code,
then its layers, first (only inside the sandbox, where the paths are AWS's)."""
import os as _os
import sys as _sys

if _os.environ.get("LAMBDA_TASK_ROOT") == "/var/task":
    _version = "%d.%d" % _sys.version_info[:2]
    # (the code's own /var/task comes first already: it is the working directory of ``python -m``)
    for _path in ("/opt/python", "/opt/python/lib/python%s/site-packages" % _version):
        if _path in _sys.path:
            _sys.path.remove(_path)
        _sys.path.insert(0, _path)
'''


def own_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def configured_interpreters(env: Mapping[str, str]) -> dict[str, str]:
    """``LAMBDA_RUNTIME_INTERPRETERS`` as {runtime: binary}."""
    configured: dict[str, str] = {}
    for item in env.get(INTERPRETERS_VARIABLE, "").split(","):
        runtime, sep, binary = item.strip().partition("=")
        if sep and runtime.strip() and binary.strip():
            configured[runtime.strip()] = binary.strip()
    return configured


def own_interpreter() -> str:
    """The real binary of the interpreter under the gateway's venv."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def find_interpreter(version: str, env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The real binary of CPython ``version`` (e.g. "3.12"), or None."""
    configured = configured_interpreters(os.environ if env is None else env).get(f"python{version}")
    if configured:
        return os.path.realpath(configured) if os.access(configured, os.X_OK) else None
    if version == own_version():
        return own_interpreter()
    candidates = []
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")),
                         reverse=True)
    candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    found = shutil.which(f"python{version}")
    if found and "/shims/" not in found:
        candidates.insert(0, found)
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.realpath(candidate)
    return None


def installation_prefix(interpreter: str, version: str) -> Optional[str]:
    """The directory AWS would mount at ``/var/lang`` for this interpreter (its
    installation prefix), or None for a system interpreter under ``/usr``."""
    prefix = os.path.dirname(os.path.dirname(interpreter))
    if prefix in ("/usr", "/usr/local", "/"):
        return None
    if not os.path.isdir(os.path.join(prefix, "lib", f"python{version}")):
        return None
    return prefix


def ric_dir(version: str) -> Path:
    return RIC_ROOT / f"python{version}"


def has_ric(version: str) -> bool:
    return (ric_dir(version) / "awslambdaric").is_dir()


def debugger_dir(version: str) -> Path:
    return RIC_ROOT / "debugpy" / f"python{version}"


def has_debugger(version: str) -> bool:
    return (debugger_dir(version) / "debugpy").is_dir()


def carries_durable_sdk(version: str) -> bool:
    """Whether AWS's python``version`` runtime includes the durable execution SDK."""
    return f"python{version}" in DURABLE_RUNTIMES


def has_durable_sdk(version: str) -> bool:
    return (ric_dir(version) / DURABLE_SDK_MODULE).is_dir()


def boto3_version(version: str) -> tuple[int, ...]:
    """The boto3 in python``version``'s runtime directory ((0,) when none)."""
    for info in ric_dir(version).glob("boto3-*.dist-info"):
        try:
            return tuple(int(part) for part in info.name[len("boto3-"):-len(".dist-info")].split("."))
        except ValueError:
            continue
    return (0,)


def ensure_durable_sdk(interpreter: str, version: str) -> None:
    """The durable execution SDK (and a boto3 new enough for it) in the runtime
    directory of a version whose AWS runtime carries it; idempotent."""
    if boto3_version(version) < DURABLE_BOTO3_MINIMUM:
        status = _install(interpreter, version, ric_dir(version), (DURABLE_BOTO3,), ["--upgrade"], keep_target=True)
        print(f"python{version}: {DURABLE_BOTO3} {status}")
    if not has_durable_sdk(version):
        # Its one dependency, boto3, is there already: --no-deps leaves the runtime's own packages alone.
        status = _install(interpreter, version, ric_dir(version), (DURABLE_SDK,), ["--no-deps"], keep_target=True)
        print(f"python{version}: {DURABLE_SDK} {status} in {ric_dir(version)}")


def ensure_sitecustomize(version: str) -> None:
    path = ric_dir(version) / "sitecustomize.py"
    try:
        if path.read_text() == SITECUSTOMIZE:
            return
    except OSError:
        pass
    path.write_text(SITECUSTOMIZE)


def install_all() -> None:
    """Install awslambdaric (+ boto3; + the durable execution SDK where AWS's runtime has it),
    and debugpy apart, for every CPython found; idempotent."""
    for version in RUNTIME_VERSIONS:
        interpreter = find_interpreter(version)
        if not interpreter:
            continue
        if has_ric(version):
            ensure_sitecustomize(version)
        else:
            status = _install(interpreter, version, ric_dir(version), PACKAGES)
            if has_ric(version):
                ensure_sitecustomize(version)
            print(f"python{version}: awslambdaric {status} for {interpreter} in {ric_dir(version)}")
        if has_ric(version) and carries_durable_sdk(version):
            ensure_durable_sdk(interpreter, version)
        if not has_debugger(version):
            status = _install(interpreter, version, debugger_dir(version), DEBUGGER_PACKAGES)
            print(f"python{version}: debugpy {status} for {interpreter} in {debugger_dir(version)}")


def _install(interpreter: str, version: str, target: Path, packages: tuple[str, ...],
             options: Optional[list[str]] = None, keep_target: bool = False) -> str:
    """``pip install --target`` for that interpreter: "installed", or why it was skipped
    (the target is removed then, so the next run tries again, unless ``keep_target``:
    packages added to a directory that holds others already)."""
    command = [interpreter, "-m", "pip"]
    if subprocess.run([*command, "--version"], capture_output=True).returncode != 0:
        # No pip of its own: the gateway's pip fetches wheels built for that version.
        command = [sys.executable, "-m", "pip"]
        extra = ["--python-version", version, "--only-binary=:all:"]
    else:
        extra = []
    label = f"python{version}"
    print(f"{label}: {', '.join(packages)}: starting", flush=True)
    started = time.monotonic()
    status, output = progress.run(
        # --no-warn-conflicts: pip compares the target with the interpreter's own site-packages, which
        # functions never see; its "dependency conflicts" ERROR line was noise in every install.
        label, [*command, "install", "--progress-bar", "off", "--disable-pip-version-check", "--no-warn-conflicts",
                "--target", str(target), *extra, *(options or []), *packages],
        shown=lambda line: line.startswith(PIP_PROGRESS),
    )
    if status == 0:
        return f"installed in {time.monotonic() - started:.1f} s"
    if not keep_target:
        shutil.rmtree(target, ignore_errors=True)
    return f"skipped ({output.strip().splitlines()[-1:]})"


if __name__ == "__main__":
    install_all()
