"""Where AWS's protocol conformance cases are: ``$PROTOCOL_TESTS_DIR``, else
``shared/protocol-tests`` beside the repository (as laid out for developers and
CI). In CI a missing directory is an error, not a skip."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]


def protocol_tests_dir() -> Optional[Path]:
    for candidate in (os.environ.get("PROTOCOL_TESTS_DIR"), ROOT.parent / "shared" / "protocol-tests"):
        if candidate and (Path(candidate) / "input").is_dir():
            return Path(candidate)
    if os.environ.get("CI"):
        raise RuntimeError("AWS protocol tests not found: set PROTOCOL_TESTS_DIR or lay out ../shared/protocol-tests")
    return None
