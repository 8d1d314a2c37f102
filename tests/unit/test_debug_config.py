"""The debugging configuration (LAMBDA_DEBUG_MODE_CONFIG_PATH, LAMBDA_DEBUG_PORT):
parsed, validated against its schema, and matched to functions; the debugger's
command-line arguments per runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config import Config, ConfigError
from providers.lambda_ import config_check
from providers.lambda_.executors.debugger import DebugSpec, interpreter_args
from providers.lambda_.executors.layout import ResolvedRuntime
from providers.lambda_.invocation.debug_config import DebugConfigError, load
from providers.lambda_.invocation.debugging import DEBUG_TIMEOUT_SECONDS, Debugging

ARN = "arn:aws:lambda:us-east-1:000000000000:function"


def write(tmp_path: Path, text: str, name: str = "debug.yaml") -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text)
    return {"LAMBDA_DEBUG_MODE_CONFIG_PATH": str(path)}


def test_localstack_file_with_names_and_arns(tmp_path: Path) -> None:
    env = write(tmp_path, f"""
functions:
  plain:
    debug-port: 19891
    wait-for-attach: true
  {ARN}:other:
    debug-port: 19892
    enforce-timeouts: true
  {ARN}:versioned:3:
    debug-port: 19893
  lifted-only:
""")
    debugging = Debugging(load(env))
    plain = debugging.entry_for("111111111111", "eu-west-1", "plain", "$LATEST")
    assert plain is not None and plain.port == 19891 and plain.wait_for_attach and not plain.enforce_timeouts
    assert debugging.entry_for("000000000000", "us-east-1", "plain", "1") is None  # unqualified = $LATEST
    other = debugging.entry_for("000000000000", "us-east-1", "other", "$LATEST")
    assert other is not None and other.enforce_timeouts and not other.wait_for_attach
    assert debugging.entry_for("000000000000", "eu-west-1", "other", "$LATEST") is None  # an ARN names its region
    assert debugging.entry_for("000000000000", "us-east-1", "versioned", "3").port == 19893
    assert debugging.entry_for("000000000000", "us-east-1", "versioned", "$LATEST") is None
    lifted = debugging.entry_for("000000000000", "us-east-1", "lifted-only", "$LATEST")
    assert lifted is not None and lifted.port is None
    assert Debugging.timeouts(lifted, 3, 20) == (DEBUG_TIMEOUT_SECONDS, DEBUG_TIMEOUT_SECONDS)
    assert Debugging.timeouts(other, 3, 20) == (3, 20)


def test_json_file_is_accepted(tmp_path: Path) -> None:
    env = write(tmp_path, json.dumps({"functions": {"f": {"debug-port": 5678}}}), "debug.json")
    assert [entry.port for entry in load(env)] == [5678]


@pytest.mark.parametrize("text, message", [
    ("functions: [", "is not valid YAML or JSON"),
    ("{}", "'functions' is a required property"),
    ("functions:\n  f:\n    debug-port: 70000\n", "at functions/f/debug-port: 70000 is greater than the maximum"),
    ("functions:\n  f:\n    debug-port: '19891'\n", "is not of type 'integer'"),
    ("functions:\n  f:\n    debugport: 1\n", "Additional properties are not allowed"),
    ("functions:\n  f:live:\n    debug-port: 1\n", "does not match"),  # an alias: name the version
    ("functions:\n  f:\n    debug-port: 1\n  f:\n    debug-port: 2\n", "found duplicate key 'f'"),
    ("functions:\n  f:\n    debug-port: 1\n  g:\n    debug-port: 1\n", "debug port 1 is given to both 'f' and 'g'"),
    ("functions:\n  f:\n    debug-port: 1\n  f:$LATEST:\n    debug-port: 2\n", "configure the same function twice"),
])
def test_bad_files_are_start_up_errors(tmp_path: Path, text: str, message: str) -> None:
    env = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        config_check.check(Config.from_env(env))
    assert message in str(raised.value)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DebugConfigError, match="cannot read .*missing.yaml"):
        load({"LAMBDA_DEBUG_MODE_CONFIG_PATH": str(tmp_path / "missing.yaml")})


def test_debug_port_for_one_function_or_every_function() -> None:
    one = Debugging(load({"LAMBDA_DEBUG_PORT": "19891", "LAMBDA_DEBUG_FUNCTION": "f", "LAMBDA_DEBUG_WAIT": "1"}))
    assert one.entry_for("000000000000", "us-east-1", "f", "$LATEST").wait_for_attach
    assert one.entry_for("000000000000", "us-east-1", "g", "$LATEST") is None
    every = Debugging(load({"LAMBDA_DEBUG_PORT": "19891"}))
    assert every.entry_for("000000000000", "us-east-1", "g", "7").port == 19891


@pytest.mark.parametrize("env, message", [
    ({"LAMBDA_DEBUG_PORT": "http"}, "LAMBDA_DEBUG_PORT='http' is not a port"),
    ({"LAMBDA_DEBUG_PORT": "0"}, "is not a port"),
    ({"LAMBDA_DEBUG_FUNCTION": "f"}, "LAMBDA_DEBUG_FUNCTION needs LAMBDA_DEBUG_PORT"),
    ({"LAMBDA_DEBUG_WAIT": "1"}, "LAMBDA_DEBUG_WAIT needs LAMBDA_DEBUG_PORT"),
    ({"LAMBDA_DEBUG_PORT": "1", "LAMBDA_DEBUG_FUNCTION": "f:live"}, "LAMBDA_DEBUG_FUNCTION: 'f:live' is not"),
    ({"LAMBDA_DEBUG_PORT": "1", "LAMBDA_DEBUG_WAIT": "yes"}, "LAMBDA_DEBUG_WAIT='yes' is not valid"),
])
def test_bad_variables_are_start_up_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_check.check(Config.from_env(env))
    assert message in str(raised.value)


def test_an_arn_wins_over_a_name_and_a_name_over_every_function(tmp_path: Path) -> None:
    env = write(tmp_path, f"functions:\n  f:\n    debug-port: 2\n  {ARN}:f:\n    debug-port: 3\n")
    debugging = Debugging(load({**env, "LAMBDA_DEBUG_PORT": "1"}))
    assert debugging.entry_for("000000000000", "us-east-1", "f", "$LATEST").port == 3
    assert debugging.entry_for("000000000000", "eu-west-1", "f", "$LATEST").port == 2
    assert debugging.entry_for("000000000000", "eu-west-1", "g", "$LATEST").port == 1


def test_debugger_arguments() -> None:
    python = ResolvedRuntime("python3.12", "python", "/usr/bin/python3.12", version="3.12")
    assert interpreter_args(python, None) == []
    assert interpreter_args(python, DebugSpec(5678, wait_for_attach=True)) == [
        "-X", "frozen_modules=off", "-m", "debugpy", "--listen", "127.0.0.1:5678", "--wait-for-client"]
    old_python = ResolvedRuntime("python3.9", "python", "/usr/bin/python3.9", version="3.9")
    assert interpreter_args(old_python, DebugSpec(5678)) == ["-m", "debugpy", "--listen", "127.0.0.1:5678"]
    node = ResolvedRuntime("nodejs20.x", "nodejs", None, version="20")
    assert interpreter_args(node, DebugSpec(9229)) == ["--inspect=127.0.0.1:9229"]
    assert interpreter_args(node, DebugSpec(9229, wait_for_attach=True)) == ["--inspect-brk=127.0.0.1:9229"]
    provided = ResolvedRuntime("provided.al2023", "provided")
    assert interpreter_args(provided, DebugSpec(9229)) == []
