"""Shared fixtures: a real gateway process on a free loopback port, real clients."""

from __future__ import annotations

import os
from typing import Callable, Iterator

import boto3
import pytest
from botocore.config import Config as BotoConfig

from tests.support.gateway_process import TEST_CREDENTIALS, GatewayProcess

for _name, _value in TEST_CREDENTIALS.items():
    os.environ.setdefault(_name, _value)
# Clients in tests never read a developer's ~/.aws.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


@pytest.fixture(scope="session")
def gateway() -> Iterator[GatewayProcess]:
    """One gateway process shared by the session (state is reset between modules)."""
    with GatewayProcess() as process:
        yield process


@pytest.fixture(scope="session")
def gateway_url(gateway: GatewayProcess) -> str:
    return gateway.url


@pytest.fixture
def aws_client(gateway_url: str) -> Callable[..., object]:
    """``aws_client("lambda")`` -> a boto3 client aimed at the test gateway."""

    def make(service: str, region: str = "us-east-1", access_key: str = "test", **config) -> object:
        return boto3.client(
            service,
            endpoint_url=gateway_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key="test",
            config=BotoConfig(retries={"max_attempts": 1}, **config),
        )

    return make


@pytest.fixture
def cli_env(gateway_url: str) -> dict[str, str]:
    """Environment for running the AWS CLI / awslocal against the test gateway."""
    env = dict(os.environ)
    env.update(TEST_CREDENTIALS)
    env["AWS_ENDPOINT_URL"] = gateway_url
    port = gateway_url.rsplit(":", 1)[1]
    env["LOCALSTACK_HOST"] = f"127.0.0.1:{port}"
    env["EDGE_PORT"] = port
    env["AWS_PAGER"] = ""
    return env
