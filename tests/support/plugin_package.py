"""The third-party test package (``tests/plugin_pkg``), built and installed into
a directory of its own: put that directory on a gateway's ``PYTHONPATH`` and its
entry points (a provider, an executor, event-source pollers) are the gateway's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .gateway_process import ROOT

PLUGIN_SOURCE = ROOT / "tests" / "plugin_pkg"


def install_plugin_package(workdir: Path) -> str:
    """Build and install the package under ``workdir``; the directory to put on ``PYTHONPATH``."""
    source = workdir / "plugin-src"
    shutil.copytree(PLUGIN_SOURCE, source, dirs_exist_ok=True)
    target = workdir / "plugin-site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(source)],
        check=True,
        capture_output=True,
    )
    assert list(target.glob("gateway_test_plugin-1.0.0.dist-info")), list(target.iterdir())
    return str(target)


def plugin_pythonpath(plugin_path: str) -> str:
    return os.pathsep.join([plugin_path, str(ROOT)])
