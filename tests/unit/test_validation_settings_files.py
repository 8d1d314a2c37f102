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
    ParamValidator(service, settings)  # every member path of 'patterns' names a patterned member, else ValueError


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


def test_a_pattern_printed_per_member_leaves_the_shape_elsewhere_as_the_model_prints_it():
    # GetLayerVersionByArn.Arn and CreateFunction.Layers share the model shape LayerVersionArn; AWS prints
    # each its own way (test_lambda_api.snapshot.json TestLambdaLayer::test_layer_exceptions
    # get_layer_version_by_arn_exc_invalidarn; ::test_layer_function_exceptions add_layer_arn_without_version_exc).
    service = botocore.session.get_session().get_service_model("lambda")
    settings = ValidationSettings.load("lambda")
    validator = ParamValidator(service, settings)
    arn = "arn:aws:lambda:us-east-1:000000000000:layer:l"
    (by_arn,) = validator.errors(service.operation_model("GetLayerVersionByArn"), {"Arn": arn})
    assert by_arn.endswith("pattern: " + settings.member_patterns["GetLayerVersionByArn.Arn"])
    (layers,) = validator.errors(service.operation_model("CreateFunction"),
                                 {"FunctionName": "f", "Role": "arn:aws:iam::000000000000:role/r", "Code": {},
                                  "Layers": [arn]})
    assert "pattern: " + settings.member_patterns["CreateFunction.Layers.member"] + ", Member must not be null]" in layers
    (update,) = validator.errors(service.operation_model("UpdateFunctionConfiguration"),
                                 {"FunctionName": "f", "Layers": [arn]})
    assert "pattern: " + service.shape_for("LayerVersionArn").metadata["pattern"] + ", " in update


def test_a_member_pattern_must_sit_on_a_patterned_member():
    service = botocore.session.get_session().get_service_model("lambda")
    for path in ("CreateFunction.MemorySize", "CreateFunction.Nope", "Nope.FunctionName", "CreateFunction.Layers"):
        with pytest.raises(ValueError):
            ParamValidator(service, ValidationSettings.from_dict({"patterns": {path: "x"}}))


def test_not_found_texts_are_data_with_evidence():
    # specs/errors/lambda-not-found.json, read by providers/lambda_/not_found.py.
    from providers.lambda_ import not_found

    document = json.loads(not_found.SPEC.read_text())
    for kind, entry in document["kinds"].items():
        assert entry["evidence"], kind
        assert set(entry) <= {"code", "message", "type", "status", "evidence"}, kind
    error = not_found.not_found_error("code-signing-config", arn="arn:x")
    assert (error.code, error.message, error.status, error.members) == (
        "ResourceNotFoundException", "The Lambda code signing configuration arn:x can not be found.", 404, {"Type": None})
