"""A quick, representative subset of AWS's durable-functions conformance requirements.

The requirements are AWS's (PyPI ``aws-durable-execution-conformance-tests``): one
per suite, each run by the same runner as ``make conformance`` against the test
gateway through boto3, with the handler written for it under
``conformance/handlers/`` and AWS's SDK bundled in the function's zip. A
requirement passes when GetDurableExecutionHistory matches its expected history
(wildcards and placeholders as the package defines them), GetDurableExecution its
status and result, and CloudWatch Logs its expected records. The whole set runs
concurrently once per module (20-60 s with load); each requirement is its own test.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import boto3
import pytest
from botocore.config import Config

from conformance import packages
from conformance.requirements import Requirement, load_all
from conformance.runner import LANGUAGES, ConformanceRunner, Outcome

# One requirement of each suite (two of step), and 4-1 in JavaScript; none waits more than a few seconds.
PYTHON_SUBSET = ("1-3", "1-11", "2-1", "3-6", "4-6", "5-9", "6-1", "7-1", "8-6", "9-15", "10-3")
JS_SUBSET = ("4-1",)
SUBSET = [("python", requirement_id) for requirement_id in PYTHON_SUBSET] + [
    ("js", requirement_id) for requirement_id in JS_SUBSET]


@pytest.fixture(scope="module")
def requirements() -> dict[str, Requirement]:
    try:
        root = packages.requirements_root()
        packages.sdk_package_dir()
        packages.js_node_modules()
    except (subprocess.CalledProcessError, OSError) as error:
        pytest.skip(f"the conformance packages could not be fetched from PyPI/npm: {error}")
    return {requirement.id: requirement for requirement in load_all(root)}


@pytest.fixture(scope="module")
def outcomes(gateway_url: str, requirements: dict[str, Requirement]) -> Iterator[dict[tuple[str, str], Outcome]]:
    config = Config(retries={"max_attempts": 1}, read_timeout=300, max_pool_connections=16)
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    lambda_client = session.client("lambda", endpoint_url=gateway_url, config=config)
    logs_client = session.client("logs", endpoint_url=gateway_url, config=config)
    runners = {name: ConformanceRunner(lambda_client, logs_client, language=LANGUAGES[name]) for name in ("python", "js")}
    for runner in runners.values():
        runner.prepare()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = {(language, rid): pool.submit(runners[language].run, requirements[rid])
                       for language, rid in SUBSET}
            yield {key: future.result() for key, future in futures.items()}
    finally:
        for runner in runners.values():
            runner.close()


@pytest.mark.parametrize("language,requirement_id", SUBSET, ids=[f"{lang}-{rid}" for lang, rid in SUBSET])
def test_requirement_passes(outcomes: dict[tuple[str, str], Outcome], language: str, requirement_id: str) -> None:
    outcome = outcomes[(language, requirement_id)]
    assert outcome.passed, (f"{requirement_id} ({outcome.description}) failed at {outcome.stage}:\n  "
                            + "\n  ".join(outcome.differences[:8]))
