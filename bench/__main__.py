"""``python -m bench [name ...]``: run the benchmarks and print their figures."""

from __future__ import annotations

import importlib
import os
import sys

from tests.support.gateway_process import TEST_CREDENTIALS

BENCHES = [
    "gateway_bench",
    "server_bench",
    "lambda_control_bench",
    "lambda_runtime_bench",
    "function_url_bench",
    "event_invoke_bench",
    "durable_bench",
    "code_upload_bench",
    "kinesis_bench",
    "sqs_bench",
    "hot_reload_bench",
    "invoke_memory_bench",  # 10 minutes (BENCH_MEMORY_SECONDS)
]


def main(argv: list[str]) -> int:
    for name, value in TEST_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    names = argv or BENCHES
    for name in names:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
