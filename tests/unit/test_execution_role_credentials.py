"""Execution-role credentials (providers/lambda_/invocation/credentials.py): the
session name AWS gives, and what an environment start answers when the
companion STS cannot be reached (the data-plane tests cover the rest with a
real gateway and real functions)."""

from __future__ import annotations

import socket

import pytest

from gateway.config import Config
from gateway.errors import ServiceError
from providers.lambda_.invocation.credentials import ExecutionRoleCredentials, session_name


def test_the_session_is_named_after_the_function():
    assert session_name("my-function") == "my-function"
    assert session_name("fn") == "fn"
    assert session_name("f") == "f@lambda_function"  # sessions are 2 to 64 characters: AWS's name for it
    assert session_name("x" * 64) == "x" * 64


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_sts_fails_the_start_with_lambda_s_service_exception():
    credentials = ExecutionRoleCredentials(Config.from_env({}))
    with pytest.raises(ServiceError) as raised:
        credentials.for_environment("arn:aws:iam::000000000000:role/r", "fn", "000000000000", "us-east-1",
                                    _closed_port())
    assert (raised.value.code, raised.value.status) == ("ServiceException", 500)


def test_without_sts_the_account_is_the_key():
    credentials = ExecutionRoleCredentials(Config.from_env({"SERVICES": "lambda,s3"}))
    issued = credentials.for_environment("arn:aws:iam::111111111111:role/r", "fn", "111111111111", "us-east-1", 1)
    assert issued.variables() == {"AWS_ACCESS_KEY_ID": "111111111111", "AWS_SECRET_ACCESS_KEY": "test",
                                  "AWS_SESSION_TOKEN": "test"}
