"""The packages the conformance run needs, fetched once with pip / npm and cached.

- ``aws-durable-execution-conformance-tests``: AWS's language-neutral requirements
  (``test_requirements/<suite>/<id>.yaml``). Only its YAML is read; its own
  runner (which deploys with SAM) is never imported.
- ``aws-durable-execution-sdk-python``: the SDK the handlers use, bundled into each
  function's zip as a user would (its only dependency, boto3, is in the Lambda
  runtime already).
- npm ``@aws/durable-execution-sdk-js`` with its dependency (``@aws-sdk/client-lambda``),
  bundled as ``node_modules`` into the JavaScript handlers' zips.

All are pinned, fetched with ``pip download`` / ``npm install`` (the registries'
ordinary clients) into ``~/.cache/lambda-gateway/conformance/`` and unpacked there;
later runs read the cache without the network.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REQUIREMENTS_PACKAGE = "aws-durable-execution-conformance-tests"
REQUIREMENTS_VERSION = "1.0.0"
SDK_PACKAGE = "aws-durable-execution-sdk-python"
SDK_VERSION = "3.0.0"
JS_SDK_PACKAGE = "@aws/durable-execution-sdk-js"
JS_SDK_VERSION = "2.4.0"

CACHE_ROOT = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lambda-gateway" / "conformance"


def _wheel(package: str, version: str, python_version: str) -> Path:
    """The package's wheel in the cache, downloaded when missing."""
    directory = CACHE_ROOT / "wheels"
    stem = package.replace("-", "_")
    found = sorted(directory.glob(f"{stem}-{version}-*.whl"))
    if found:
        return found[0]
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", python_version, f"{package}=={version}", "--dest", str(directory)],
        check=True,
    )
    found = sorted(directory.glob(f"{stem}-{version}-*.whl"))
    if not found:
        raise RuntimeError(f"pip download did not leave a wheel of {package}=={version} in {directory}")
    return found[0]


def _unpacked(package: str, version: str, python_version: str) -> Path:
    """The wheel unpacked under the cache (once; a marker file says it is complete)."""
    target = CACHE_ROOT / f"{package}-{version}"
    marker = target / ".complete"
    if not marker.exists():
        with zipfile.ZipFile(_wheel(package, version, python_version)) as wheel:
            wheel.extractall(target)
        marker.touch()
    return target


def requirements_root() -> Path:
    """Directory holding one folder per suite (step, wait, callback, ...)."""
    # The package declares Python >= 3.14 (its own runner's need): ask pip for that tag.
    root = _unpacked(REQUIREMENTS_PACKAGE, REQUIREMENTS_VERSION, "3.14")
    return root / "aws_durable_execution_conformance_tests" / "test_requirements"


def sdk_package_dir() -> Path:
    """The importable ``aws_durable_execution_sdk_python`` directory."""
    return _unpacked(SDK_PACKAGE, SDK_VERSION, "3.13") / "aws_durable_execution_sdk_python"


def js_node_modules() -> Path:
    """``node_modules`` holding the JavaScript SDK and its dependencies (npm install, once)."""
    target = CACHE_ROOT / f"js-sdk-{JS_SDK_VERSION}"
    marker = target / ".complete"
    if not marker.exists():
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        (target / "package.json").write_text(json.dumps({"name": "conformance-handlers", "private": True}))
        # The package's engines say node >= 22; npm only warns when the machine's node is older.
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                        f"{JS_SDK_PACKAGE}@{JS_SDK_VERSION}"], cwd=target, check=True)
        marker.touch()
    return target / "node_modules"


def _add_tree(archive: zipfile.ZipFile, directory: Path) -> None:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            archive.write(path, str(Path(directory.name) / path.relative_to(directory)))


def function_zip(handler_files: list[Path], bundled: Path) -> bytes:
    """A deployment package: the handler files at the root plus ``bundled`` (the SDK) beside them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in handler_files:
            archive.write(path, path.name)
        _add_tree(archive, bundled)
    return buffer.getvalue()
