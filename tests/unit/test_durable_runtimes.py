"""The runtimes AWS accepts a DurableConfig for are data (specs/runtimes/durable.json,
with its source); a container image takes one whatever it runs."""

from __future__ import annotations

import json

import pytest

from gateway.errors import ServiceError
from providers.lambda_ import runtimes
from providers.lambda_.durable.config import UNSUPPORTED_RUNTIME, check_durable_config

DURABLE = {"ExecutionTimeout": 60}


def test_the_list_names_known_runtimes_and_its_source() -> None:
    data = json.loads(runtimes.DURABLE_FILE.read_text())
    assert data["source"].startswith("https://docs.aws.amazon.com/lambda/latest/dg/durable-supported-runtimes.html")
    assert runtimes.DURABLE_RUNTIMES and all(runtimes.accepted(name) for name in runtimes.DURABLE_RUNTIMES)


@pytest.mark.parametrize("runtime, package_type", [("python3.13", "Zip"), ("nodejs24.x", None), (None, "Image")])
def test_supported(runtime, package_type) -> None:
    check_durable_config(DURABLE, runtime=runtime, package_type=package_type)


def test_an_unsupported_runtime_is_refused_on_create_and_on_a_runtime_change() -> None:
    for call in (lambda: check_durable_config(DURABLE, runtime="python3.12", package_type="Zip"),
                 lambda: check_durable_config(None, DURABLE, updating=True, runtime="nodejs20.x")):
        with pytest.raises(ServiceError) as caught:
            call()
        assert (caught.value.code, caught.value.message) == ("InvalidParameterValueException", UNSUPPORTED_RUNTIME)
    check_durable_config(None, None, updating=True, runtime="python3.12")  # not durable: any runtime
