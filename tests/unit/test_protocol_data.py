"""The protocol conformance cases every clone runs: taken from the installed
botocore's sdist into a cache (``tests/support/protocol_data.py``), never
silently absent."""

from __future__ import annotations

import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import botocore
import botocore.session
import pytest

from tests.support import protocol_data
from tests.support.protocol_data import UNSERVED_PROTOCOLS, ProtocolTestsUnavailable, protocol_tests_dir


def _cases(directory: Path) -> int:
    return sum(len(suite["cases"]) for path in directory.glob("*.json") for suite in json.loads(path.read_text()))


def test_every_suite_of_the_installed_botocore_is_there() -> None:
    data = protocol_tests_dir()
    for side in ("input", "output"):
        stems = {path.stem for path in (data / side).glob("*.json")}
        assert {"ec2", "json", "json_1_0", "query", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"} <= stems, side
    # botocore 1.44's suites: 367 input and 365 output cases (the cbor ones included).
    assert _cases(data / "input") >= 350 and _cases(data / "output") >= 340


def test_the_cache_belongs_to_the_installed_version() -> None:
    if os.environ.get("PROTOCOL_TESTS_DIR"):
        pytest.skip("PROTOCOL_TESTS_DIR overrides the cache")
    assert protocol_tests_dir() == protocol_data.cache_dir(botocore.__version__)
    assert protocol_tests_dir().name == f"botocore-{botocore.__version__}"


def test_a_bad_override_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROTOCOL_TESTS_DIR", str(tmp_path))
    with pytest.raises(ProtocolTestsUnavailable, match="no input/ and output/"):
        protocol_tests_dir()


def test_a_version_pip_cannot_download_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ProtocolTestsUnavailable, match="could not download botocore 0.0.0.dev0"):
        protocol_data.fetch("0.0.0.dev0", tmp_path / "botocore-0.0.0.dev0")
    assert not (tmp_path / "botocore-0.0.0.dev0").exists()


def test_skipped_protocols_are_spoken_by_no_service_the_gateway_serves() -> None:
    session = botocore.session.get_session()
    services = {entry.name.split(":", 1)[0] for entry in entry_points(group="gateway.providers")}
    assert {"lambda", "s3", "sqs"} <= services
    for service in services:
        metadata = session.get_service_model(service).metadata
        protocols = set(metadata.get("protocols") or [metadata["protocol"]])
        assert not protocols & set(UNSERVED_PROTOCOLS), service
