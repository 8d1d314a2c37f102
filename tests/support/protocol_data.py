"""Where AWS's protocol conformance cases are, and how a fresh clone gets them.

The cases are botocore's client-side protocol tests (``tests/unit/protocols``,
Apache-2.0), which botocore's source distribution on PyPI ships:
``input/*.json``, ``output/*.json`` (the ``smithy-rpc-v2-cbor`` suites among
them) and botocore's own ignore-list. They are taken from the sdist of the
botocore version installed, so the cases always match the models the gateway
reads, and kept in a cache:
``${XDG_CACHE_HOME:-~/.cache}/lambda-gateway/botocore-<version>/``.

``$PROTOCOL_TESTS_DIR`` (a directory with ``input/`` and ``output/``) overrides
the cache, e.g. for an offline machine. Without either, the cases are fetched
(``pip download --no-binary :all: --no-deps botocore==<version>``); when that
fails the suite fails, naming why: a conformance suite that quietly shrinks to
nothing would stay green while testing nothing.

``python -m tests.support.protocol_data`` fetches them (``make test`` runs it
first) and prints the directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import botocore

#: What the cache keeps of the sdist (paths under ``tests/unit/protocols/``).
_KEPT = ("input/", "output/", "protocol-tests-ignore-list.json")
_COMPLETE = ".complete"  # written last: a cache dir without it is a broken fetch


#: Protocols whose cases are collected but skipped, with the reason (checked by
#: tests/unit/test_protocol_data.py: no service the gateway serves speaks them).
UNSERVED_PROTOCOLS = {
    "smithy-rpc-v2-cbor": (
        "the gateway speaks no smithy-rpc-v2-cbor: no service it serves lists that protocol "
        "(checked in test_protocol_data.py)"
    ),
}


class ProtocolTestsUnavailable(RuntimeError):
    """The conformance cases could not be had (no network, no pip, a broken sdist)."""


def cache_dir(version: str = botocore.__version__) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lambda-gateway" / f"botocore-{version}"


def protocol_tests_dir() -> Path:
    """The directory holding ``input/`` and ``output/``, fetched on first use.

    Raises ``ProtocolTestsUnavailable`` rather than returning nothing."""
    override = os.environ.get("PROTOCOL_TESTS_DIR")
    if override:
        if not (Path(override) / "input").is_dir() or not (Path(override) / "output").is_dir():
            raise ProtocolTestsUnavailable(f"PROTOCOL_TESTS_DIR={override} holds no input/ and output/ directories")
        return Path(override)
    target = cache_dir()
    if not (target / _COMPLETE).is_file():
        fetch(botocore.__version__, target)
    return target


def fetch(version: str, target: Path) -> None:
    """Download botocore ``version``'s sdist and keep its protocol cases in ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="botocore-sdist-", dir=target.parent) as scratch:
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
            "--disable-pip-version-check", f"botocore=={version}", "--dest", scratch,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        archives = sorted(Path(scratch).glob("botocore-*.tar.gz"))
        if done.returncode != 0 or not archives:
            raise ProtocolTestsUnavailable(
                f"could not download botocore {version}'s source distribution for its protocol tests "
                f"({' '.join(command[2:])} exited {done.returncode}): {done.stderr.strip()[-800:]}\n"
                "Set PROTOCOL_TESTS_DIR to a copy of botocore's tests/unit/protocols to run offline."
            )
        staged = Path(scratch) / "protocols"
        kept = _extract(archives[0], staged)
        if not (staged / "input").is_dir() or not (staged / "output").is_dir():
            raise ProtocolTestsUnavailable(f"{archives[0].name} ships no tests/unit/protocols/{{input,output}}")
        (staged / _COMPLETE).write_text(f"{kept} files from {archives[0].name}\n")
        shutil.rmtree(target, ignore_errors=True)  # a fetch that broke half way
        os.replace(staged, target)


def _extract(archive: Path, staged: Path) -> int:
    """The protocol cases of ``archive`` into ``staged``; other members are not read out."""
    kept = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/", 1)
            relative = parts[1] if len(parts) == 2 else ""
            prefix = "tests/unit/protocols/"
            if not member.isfile() or not relative.startswith(prefix):
                continue
            name = relative[len(prefix):]
            top_level_json = name.count("/") == 1 and name.endswith(".json")
            if not (name.startswith(_KEPT[:2]) and top_level_json) and name != _KEPT[2]:
                continue  # legacy/ suites and anything else
            destination = staged / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out)
            kept += 1
    return kept


def main() -> int:
    try:
        print(protocol_tests_dir())
    except ProtocolTestsUnavailable as error:
        print(f"AWS protocol tests unavailable: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

