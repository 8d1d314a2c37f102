"""Finding a CPython for each ``python3.x`` runtime, and AWS's runtime interface
client for it.

A runtime runs under the matching CPython when one is installed (resolved to
its real binary: a pyenv shim costs ~70 ms per start) and ``awslambdaric`` (+
boto3, as AWS's images carry it) has been installed for it under
``<venv>/lambda-runtimes/python3.x`` — ``make install`` does that for every
interpreter it finds (``python -m providers.lambda_.executors.pythons``).
Otherwise the gateway's own interpreter runs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

RUNTIME_VERSIONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
RIC_ROOT = Path(sys.prefix) / "lambda-runtimes"
PACKAGES = ("awslambdaric", "boto3")


def own_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def find_interpreter(version: str) -> Optional[str]:
    """The real binary of CPython ``version`` (e.g. "3.12"), or None."""
    if version == own_version():
        return sys.executable
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


def ric_dir(version: str) -> Path:
    return RIC_ROOT / f"python{version}"


def has_ric(version: str) -> bool:
    return (ric_dir(version) / "awslambdaric").is_dir()


def install_all() -> None:
    """Install awslambdaric (+ boto3) for every other CPython found; idempotent."""
    for version in RUNTIME_VERSIONS:
        if version == own_version() or has_ric(version):
            continue
        interpreter = find_interpreter(version)
        if not interpreter:
            continue
        target = ric_dir(version)
        result = subprocess.run(
            [interpreter, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target", str(target),
             *PACKAGES],
            capture_output=True, text=True,
        )
        status = "installed" if result.returncode == 0 else f"skipped ({result.stderr.strip().splitlines()[-1:]})"
        print(f"python{version}: awslambdaric {status} for {interpreter}")


if __name__ == "__main__":
    install_all()
