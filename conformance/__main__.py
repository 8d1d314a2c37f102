"""``python -m conformance``: AWS's durable-functions conformance requirements against a real gateway.

Starts a gateway on a free loopback port (or uses ``--endpoint``), runs every
requirement (or those named / of the suites named), prints the per-suite table,
the failures with their first difference and ``conformance: N/155 passed``, and
writes the outcomes to ``conformance/results.json``. ``--language js`` runs the
requirements that have a JavaScript handler (a representative subset) on
``nodejs22.x`` (``--runtime`` to try another) and writes ``results-js.json``.

Exit status 0 whatever the figure (the figure is the measure, not a gate); 2 when
no requirement matches; a traceback when the run itself breaks (a package that
cannot be fetched, a gateway that does not start).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

from conformance import packages
from conformance.report import render, write_json
from conformance.requirements import load_all
from conformance.runner import LANGUAGES, ConformanceRunner

RESULTS_DIR = Path(__file__).resolve().parent
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _clients(endpoint: str) -> tuple[object, object]:
    config = Config(retries={"max_attempts": 1}, read_timeout=900, connect_timeout=10, max_pool_connections=32)
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    return (session.client("lambda", endpoint_url=endpoint, config=config),
            session.client("logs", endpoint_url=endpoint, config=config))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="requirement ids (1-1 ...) or suite names (step, map ...)")
    parser.add_argument("--endpoint", help="a running gateway's URL (default: start one)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CONFORMANCE_WORKERS", "4")))
    parser.add_argument("--time-scale", type=float, default=None,
                        help="LAMBDA_DURABLE_TIME_SCALE for the gateway started here (callback delays scale too)")
    parser.add_argument("--keep-functions", action="store_true", help="leave each requirement's function behind")
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="python")
    parser.add_argument("--runtime", help="the functions' runtime (default: python3.13 / nodejs22.x)")
    parser.add_argument("--results", type=Path, help="default: conformance/results[-js].json")
    arguments = parser.parse_args(argv)
    language = LANGUAGES[arguments.language]
    results = arguments.results or RESULTS_DIR / ("results.json" if language.name == "python"
                                                  else f"results-{language.name}.json")

    requirements = load_all(packages.requirements_root())
    if language.name != "python":
        requirements = [r for r in requirements if language.has_handler(r.id)]
    if arguments.ids:
        wanted = set(arguments.ids)
        requirements = [r for r in requirements if r.id in wanted or r.suite in wanted]
    if not requirements:
        print("no requirement matches", file=sys.stderr)
        return 2

    for name, value in CREDENTIALS.items():
        os.environ.setdefault(name, value)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        endpoint = arguments.endpoint
        if not endpoint:
            from tests.support.gateway_process import GatewayProcess

            environment = {}
            if arguments.time_scale is not None:
                environment["LAMBDA_DURABLE_TIME_SCALE"] = str(arguments.time_scale)
            endpoint = stack.enter_context(GatewayProcess(env=environment)).url  # stopped, its log removed
        lambda_client, logs_client = _clients(endpoint)
        runner = ConformanceRunner(lambda_client, logs_client, language=language, runtime=arguments.runtime,
                                   time_scale=arguments.time_scale or 1.0, keep_functions=arguments.keep_functions)
        runner.prepare()
        stack.callback(runner.close)
        outcomes = []
        with ThreadPoolExecutor(max_workers=max(1, arguments.workers)) as pool:
            for outcome in pool.map(runner.run, requirements):
                mark = "ok  " if outcome.passed else "FAIL"
                print(f"{mark} {outcome.id:<6} {outcome.seconds:6.1f}s {outcome.description[:70]}", flush=True)
                outcomes.append(outcome)
    print()
    print(render(outcomes, language.name))
    sdk = (f"{packages.SDK_PACKAGE}=={packages.SDK_VERSION}" if language.name == "python"
           else f"{packages.JS_SDK_PACKAGE}@{packages.JS_SDK_VERSION}")
    write_json(outcomes, results, {
        "requirements_package": f"{packages.REQUIREMENTS_PACKAGE}=={packages.REQUIREMENTS_VERSION}",
        "language": language.name,
        "sdk": sdk,
        "runtime": runner.runtime,
        "seconds": round(time.monotonic() - started, 1),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
