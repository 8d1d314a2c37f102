"""The runtime AWS recommends instead of a blocked one: recorded answers as data
(specs/runtimes/upgrades.json, checked against its schema), the family's newest otherwise."""

from __future__ import annotations

import json

import jsonschema
import pytest

from providers.lambda_ import runtimes

SCHEMA = json.loads((runtimes.UPGRADES_FILE.parent / "upgrades.schema.json").read_text())


def test_the_upgrades_file_follows_its_schema() -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(runtimes.UPGRADES_FILE.read_text()))


def test_every_recorded_runtime_is_blocked_and_its_upgrade_accepted() -> None:
    for old, new in runtimes.RECORDED_UPGRADES.items():
        assert runtimes.blocked(old), old
        assert runtimes.accepted(new), new


@pytest.mark.parametrize("old, new", [
    # Recorded (TestRuntimeValidation, test_lambda_api.snapshot.json).
    ("nodejs12.x", "nodejs18.x"), ("nodejs14.x", "nodejs20.x"), ("python3.7", "python3.12"), ("go1.x", "provided.al2023"),
    # Not recorded: the family's newest.
    ("python3.6", "python3.14"), ("nodejs10.x", "nodejs24.x"),
])
def test_upgrade_for(old: str, new: str) -> None:
    assert runtimes.upgrade_for(old) == new
