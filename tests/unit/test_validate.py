"""Request validation against model constraints (gateway/protocol/validate.py).

Expected messages are AWS's own, recorded against real AWS in LocalStack's
snapshot file tests/aws/services/lambda_/test_lambda_api.snapshot.json (the
snapshot key is named in each case), or quoted from real AWS errors where noted.
Where the botocore model's pattern text differs from the one AWS prints, the
case checks the model's text (the gateway prints what its model says).
"""

from __future__ import annotations

import json

import pytest

from gateway.errors import ValidationError
from gateway.protocol.models import ServiceModels
from gateway.protocol.validate import (
    SETTINGS_DIR,
    ParamValidator,
    ValidationSettings,
    format_message,
    java_double,
    load_validator,
    render_value,
)

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture(scope="module")
def models() -> ServiceModels:
    return ServiceModels()


@pytest.fixture(scope="module")
def lambda_model(models):
    return models.get("lambda")


@pytest.fixture(scope="module")
def validator(lambda_model) -> ParamValidator:
    return load_validator(lambda_model)


def errors(validator, operation: str, params: dict) -> list[str]:
    return validator.errors(validator.service_model.operation_model(operation), params)


def create_function(**overrides) -> dict:
    params = {
        "FunctionName": "my-function",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "handler.handler",
        "Code": {"ZipFile": b"PK\x03\x04" + b"\0" * 64},
        "Description": "a function",
        "Timeout": 30,
        "MemorySize": 256,
        "Publish": False,
        "Environment": {"Variables": {"LOG_LEVEL": "debug", "STAGE": "dev"}},
        "Architectures": ["x86_64"],
        "Tags": {"team": "platform", "env": "dev"},
        "TracingConfig": {"Mode": "PassThrough"},
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/aws/lambda/my-function"},
    }
    params.update(overrides)
    return params


# -- AWS's recorded messages ------------------------------------------------------------


@pytest.mark.parametrize(
    "operation, params, expected",
    [
        (  # test_create_lambda_exceptions: invalid_role_arn_exc (model pattern == AWS's)
            "CreateFunction",
            create_function(Role="r1"),
            "Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ),
        (  # test_create_lambda_exceptions: multiple_architectures
            "CreateFunction",
            create_function(Architectures=["x86_64", "arm64"]),
            "Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: "
            "Member must have length less than or equal to 1",
        ),
        (  # test_create_lambda_exceptions: uppercase_architecture
            "CreateFunction",
            create_function(Architectures=["X86_64"]),
            "Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy "
            "constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
        ),
        (  # test_snapstart_exceptions: create_function_invalid_snapstart_apply
            "CreateFunction",
            create_function(SnapStart={"ApplyOn": "invalidOption"}),
            "Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: "
            "Member must satisfy enum value set: [PublishedVersions, None]",
        ),
        (  # test_notfound_and_invalid_routingconfigs: routing_config_exc_toohigh
            "CreateAlias",
            {"FunctionName": "f", "Name": "a", "FunctionVersion": "1",
             "RoutingConfig": {"AdditionalVersionWeights": {"2": 2.0}}},
            "Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
            "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
            "Member must have value greater than or equal to 0.0, Member must not be null]",
        ),
        (  # routing_config_exc_subzero
            "CreateAlias",
            {"FunctionName": "f", "Name": "a", "FunctionVersion": "1",
             "RoutingConfig": {"AdditionalVersionWeights": {"2": -1.0}}},
            "Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
            "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
            "Member must have value greater than or equal to 0.0, Member must not be null]",
        ),
        (  # routing_config_exc_version_latest
            "UpdateAlias",
            {"FunctionName": "f", "Name": "a",
             "RoutingConfig": {"AdditionalVersionWeights": {"$LATEST": 0.5}}},
            "Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
            "constraint: Map keys must satisfy constraint: [Member must have length less than or equal "
            "to 1024, Member must have length greater than or equal to 1, Member must satisfy regular "
            "expression pattern: [0-9]+, Member must not be null]",
        ),
        (  # test_alias_naming: create_alias_number_exception
            "CreateAlias",
            {"FunctionName": "f", "Name": "2024", "FunctionVersion": "1"},
            "Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        ),
        (  # test_list_functions: list_functions_invalid_functionversion
            "ListFunctions",
            {"FunctionVersion": "invalid"},
            "Value 'invalid' at 'functionVersion' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ALL]",
        ),
        (  # test_provisioned_concurrency_exceptions: put_provisioned_invalid_param_0
            "PutProvisionedConcurrencyConfig",
            {"FunctionName": "f", "Qualifier": "alias", "ProvisionedConcurrentExecutions": 0},
            "Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (  # test_permission_exceptions: add_permission_invalid_statement_id
            "AddPermission",
            {"FunctionName": "f", "StatementId": "example.com", "Action": "lambda:InvokeFunction",
             "Principal": "s3.amazonaws.com"},
            "Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: ([a-zA-Z0-9-_]+)",
        ),
        (  # test_layer_policy_exceptions: layer_permission_action_invalid
            "AddLayerVersionPermission",
            {"LayerName": "l", "VersionNumber": 1, "StatementId": "s1", "Action": "*", "Principal": "*"},
            "Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: lambda:GetLayerVersion",
        ),
        (  # test_tag_exceptions: untag_empty_keys (a required query-string list)
            "UntagResource",
            {"Resource": "arn:aws:lambda:us-east-1:000000000000:function:f"},
            "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        ),
        (  # test_layer_exceptions: list_layers_exc_compatiblearchitecture_invalid
            "ListLayers",
            {"CompatibleArchitecture": "archdoesnotexist"},
            "Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: "
            "Member must satisfy enum value set: [x86_64, arm64]",
        ),
        (  # real AWS (claudia.js test suite): a member whose name starts with two capitals
            "CreateFunction",
            create_function(KMSKeyArn="arn:a:b:c:d"),
            "Value 'arn:a:b:c:d' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()",
        ),
    ],
)
def test_aws_recorded_messages(validator, operation, params, expected):
    assert errors(validator, operation, params) == [expected]
    with pytest.raises(ValidationError) as raised:
        validator.validate(validator.service_model.operation_model(operation), params)
    assert raised.value.code == "ValidationException"
    assert raised.value.status == 400
    assert raised.value.message == "1 validation error detected: " + expected


def test_several_violations_in_member_order(validator):
    params = create_function(Timeout=0, MemorySize=5555555, FunctionName="a:b:c:d:e")
    found = errors(validator, "CreateFunction", params)
    assert [e.split("' at '")[1].split("'")[0] for e in found] == ["functionName", "timeout", "memorySize"]
    assert found[1] == (
        "Value '0' at 'timeout' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )
    model_max = validator.service_model.shape_for("MemorySize").metadata["max"]
    assert found[2] == (
        "Value '5555555' at 'memorySize' failed to satisfy constraint: "
        f"Member must have value less than or equal to {model_max}"
    )
    message = format_message(found)
    assert message.startswith("3 validation errors detected: Value 'a:b:c:d:e' at 'functionName'")
    assert message.count("; ") == 2


def test_missing_required_members_are_null(validator):
    assert errors(validator, "CreateFunction", {}) == [
        "Value null at 'functionName' failed to satisfy constraint: Member must not be null",
        "Value null at 'role' failed to satisfy constraint: Member must not be null",
        "Value null at 'code' failed to satisfy constraint: Member must not be null",
    ]
    nested = create_function(EphemeralStorage={})
    assert errors(validator, "CreateFunction", nested) == [
        "Value null at 'ephemeralStorage.size' failed to satisfy constraint: Member must not be null"
    ]


def test_one_constraint_per_violation_length_before_pattern(validator):
    name = "x" * 140 + "!"
    found = errors(validator, "CreateFunction", create_function(FunctionName=name))
    assert len(found) == 2
    assert found[0].endswith("Member must have length less than or equal to 140")
    assert "Member must satisfy regular expression pattern" in found[1]


def test_structures_in_lists_use_index_member_paths(validator):
    params = create_function(FileSystemConfigs=[{"Arn": "bad", "LocalMountPath": "/mnt/efs"}])
    (found,) = errors(validator, "CreateFunction", params)
    assert found.startswith("Value 'bad' at 'fileSystemConfigs.1.member.arn' failed to satisfy constraint")


def test_sensitive_values_are_not_echoed(validator):
    params = create_function(Environment={"Variables": {"1bad": "secret-value"}})
    assert errors(validator, "CreateFunction", params) == [
        "Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy "
        "constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+, "
        "Member must not be null]"
    ]


def test_string_length_counts_utf16_units_like_java(validator):
    description_max = validator.service_model.shape_for("Description").metadata["max"]
    fits = "\u00e9" * description_max  # one UTF-16 unit each
    assert errors(validator, "CreateFunction", create_function(Description=fits)) == []
    emoji = "\U0001F600" * (description_max // 2 + 1)  # two units each
    (found,) = errors(validator, "CreateFunction", create_function(Description=emoji))
    assert found.endswith(f"Member must have length less than or equal to {description_max}")


def test_unicode_property_patterns_are_checked(validator):
    ok = {"Resource": "arn:aws:lambda:us-east-1:000000000000:function:f", "Tags": {"k\u00e9y": "v\u00e4lue"}}
    assert errors(validator, "TagResource", ok) == []
    bad = dict(ok, Tags={"key": "value!"})
    (found,) = errors(validator, "TagResource", bad)
    assert found.startswith("Value '{key=value!}' at 'tags' failed to satisfy constraint: Map value must")


def test_valid_request_has_no_errors(validator):
    assert errors(validator, "CreateFunction", create_function()) == []
    validator.validate(validator.service_model.operation_model("CreateFunction"), create_function())


def test_values_of_the_wrong_type_are_left_to_the_parser(validator):
    # The parser rejects these; the validator must not crash on them either.
    params = create_function(MemorySize="big", Timeout=None, Architectures="x86_64", Tags=["a"], Code="zip")
    assert errors(validator, "CreateFunction", params) == []


# -- settings ---------------------------------------------------------------------------


def test_lambda_runtime_enum_is_left_to_the_provider(validator):
    # AWS answers InvalidParameterValueException "... or be a valid ARN" (test_create_lambda_exceptions).
    assert errors(validator, "CreateFunction", create_function(Runtime="non-existent-runtime")) == []
    assert errors(validator, "UpdateFunctionConfiguration", {"FunctionName": "f", "Runtime": "PYTHON3.9"}) == []
    # ... but the same shape elsewhere is still the model's ValidationException.
    (found,) = errors(validator, "ListLayers", {"CompatibleRuntime": "runtimedoesnotexist"})
    assert found.startswith("Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint")


def test_lambda_settings_file_matches_the_model(lambda_model):
    data = json.loads((SETTINGS_DIR / "lambda.json").read_text())
    settings = ValidationSettings.from_dict(data)
    assert settings.skip  # and every path resolves in the model:
    ParamValidator(lambda_model, settings)


def test_settings_with_unknown_paths_or_kinds_are_rejected(lambda_model):
    for skip in ({"CreateFunction.Nope": ["enum"]}, {"Nope.Runtime": ["enum"]}, {"CreateFunction.Runtime": ["typo"]}):
        with pytest.raises(ValueError):
            ParamValidator(lambda_model, ValidationSettings.from_dict({"skip": skip}))


def test_settings_skip_nested_paths_and_not_null(lambda_model):
    settings = ValidationSettings.from_dict(
        {"skip": {"CreateFunction.Architectures.member": ["enum"], "CreateFunction.Role": "all"}}
    )
    validator = ParamValidator(lambda_model, settings)
    assert errors(validator, "CreateFunction", create_function(Architectures=["X86_64"], Role="r1")) == []
    assert errors(validator, "CreateFunction", {"FunctionName": "f", "Code": {}}) == []  # "all": required too
    quiet = ParamValidator(lambda_model, ValidationSettings(nested_not_null=False))
    (found,) = errors(quiet, "CreateFunction", create_function(Architectures=["X86_64"]))
    assert found.endswith("[Member must satisfy enum value set: [x86_64, arm64]]")


def test_disabled_settings_validate_nothing(lambda_model):
    validator = ParamValidator(lambda_model, ValidationSettings(enabled=False))
    assert errors(validator, "CreateFunction", {}) == []


def test_services_without_a_settings_file_get_defaults(models):
    validator = load_validator(models.get("sts"))
    assert validator.settings == ValidationSettings()


# -- every operation, other models ------------------------------------------------------


def test_every_lambda_operation_compiles_and_reports_missing_members(validator):
    model = validator.service_model
    for name in model.operation_names:
        operation = model.operation_model(name)
        found = validator.errors(operation, {})
        required = operation.input_shape.required_members if operation.input_shape else []
        assert len(found) == len(required), name


@pytest.mark.parametrize("service", ["sts", "s3", "sqs", "dynamodb", "iam", "logs", "events", "kinesis"])
def test_other_models_compile(models, service):
    model = models.get(service)
    validator = load_validator(model)
    for name in model.operation_names:
        validator.errors(model.operation_model(name), {})


def test_recursive_shapes(models):
    validator = load_validator(models.get("dynamodb"))
    item = {"pk": {"S": "1"}, "nested": {"M": {"a": {"L": [{"M": {"b": {"N": "1"}}}]}}}}
    assert errors(validator, "PutItem", {"TableName": "table", "Item": item}) == []
    (found,) = errors(validator, "PutItem", {"TableName": "table", "Item": item, "ReturnValues": "bogus"})
    assert found.startswith("Value 'bogus' at 'returnValues' failed to satisfy constraint: Member must satisfy enum")


# -- rendering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (2.0, "2.0"), (-1.0, "-1.0"), (0.5, "0.5"), (0.0, "0.0"), (1.0, "1.0"),
        (0.001, "0.001"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"), (1.234e-5, "1.234E-5"),
        (float("nan"), "NaN"), (float("inf"), "Infinity"), (-float("inf"), "-Infinity"),
    ],
)
def test_java_double(value, text):
    assert java_double(value) == text


def test_render_value():
    assert render_value(None) == "null"
    assert render_value(True) == "true"
    assert render_value(128) == "128"
    assert render_value([]) == "[]"
    assert render_value(["a", "b"]) == "[a, b]"
    assert render_value({"2": 2.0}) == "{2=2.0}"
    assert render_value(b"abc") == "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"


# -- cost -------------------------------------------------------------------------------


def test_first_use_from_many_threads(models):
    """Operations compile on first use; concurrent first requests all get answers."""
    from concurrent.futures import ThreadPoolExecutor

    validator = load_validator(models.get("dynamodb"))
    item = {"pk": {"M": {"a": {"L": [{"S": "x"}]}}}}

    def run(_):
        return errors(validator, "PutItem", {"TableName": "table", "Item": item, "ReturnValues": "bogus"})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(run, range(64)))
    assert all(len(found) == 1 and "'returnValues'" in found[0] for found in results)
