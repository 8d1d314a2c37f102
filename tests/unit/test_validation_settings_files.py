"""The validation settings files (specs/validation/*.json): valid against their
schema, consistent with the service model, and read as AWS words its messages."""

from __future__ import annotations

import json

import botocore.session
import jsonschema
import pytest

from gateway.protocol.validate import SETTINGS_DIR, ParamValidator, ValidationSettings

SCHEMA = json.loads((SETTINGS_DIR / "settings.schema.json").read_text())
SETTINGS_FILES = sorted(path for path in SETTINGS_DIR.glob("*.json") if path.name != "settings.schema.json")


@pytest.mark.parametrize("path", SETTINGS_FILES, ids=lambda path: path.name)
def test_settings_file_matches_its_schema_and_model(path):
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    service = botocore.session.get_session().get_service_model(path.stem)
    settings = ValidationSettings.from_dict(document)
    for name in settings.enum_order:
        shape = service.shape_for(name)
        assert settings.enum_text(shape)  # a permutation of the model's values, else ValueError
    for name in settings.patterns:
        assert "pattern" in service.shape_for(name).metadata, name


def test_enum_order_must_be_the_models_values():
    service = botocore.session.get_session().get_service_model("lambda")
    settings = ValidationSettings.from_dict({"enumOrder": {"InvokeMode": ["BUFFERED"]}})
    with pytest.raises(ValueError):
        settings.enum_text(service.shape_for("InvokeMode"))


def test_messages_use_the_printed_order_and_pattern():
    service = botocore.session.get_session().get_service_model("lambda")
    validator = ParamValidator(service, ValidationSettings.load("lambda"))
    errors = validator.errors(service.operation_model("CreateFunctionUrlConfig"),
                              {"FunctionName": "f", "AuthType": "NONE", "InvokeMode": "BAD"})
    assert errors == ["Value 'BAD' at 'invokeMode' failed to satisfy constraint: "
                      "Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"]


@pytest.mark.parametrize("path", SETTINGS_FILES, ids=lambda path: path.name)
def test_every_printed_form_cites_its_evidence(path):
    document = json.loads(path.read_text())
    evidence = document.get("evidence", {})
    for section in ("enumOrder", "patterns"):
        for name in document.get(section, {}):
            if not name.startswith("$"):
                assert evidence.get(f"{section}.{name}"), f"{section}.{name} has no evidence"
