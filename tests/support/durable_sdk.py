"""AWS's durable execution SDK for Python, bundled into function zips as a user would.

``aws-durable-execution-sdk-python`` (PyPI) needs only boto3 >= 1.43.114 besides
itself, which the gateway's Python runtimes already carry (``.venv/lambda-runtimes``,
as AWS's runtimes carry boto3). The wheel is downloaded once with pip into a
cache beside the venv and its package files are added to each test zip, unmodified.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".venv" / "durable-sdk-cache"
REQUIREMENT = "aws-durable-execution-sdk-python>=3,<4"


def _wheel() -> Optional[Path]:
    found = sorted(CACHE.glob("aws_durable_execution_sdk_python-*.whl"))
    if found:
        return found[-1]
    CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(CACHE),
         REQUIREMENT], capture_output=True, text=True, timeout=300)
    found = sorted(CACHE.glob("aws_durable_execution_sdk_python-*.whl"))
    if result.returncode != 0 or not found:
        return None
    return found[-1]


@lru_cache(maxsize=1)
def sdk_files() -> Optional[dict[str, bytes]]:
    """The SDK's package files ({zip path: content}), or None when PyPI cannot be reached."""
    wheel = _wheel()
    if wheel is None:
        return None
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()
                if name.startswith("aws_durable_execution_sdk_python/") and not name.endswith("/")}
