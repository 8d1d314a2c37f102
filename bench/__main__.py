"""``python -m bench [name ...]``: run the benchmarks and print their figures."""

from __future__ import annotations

import importlib
import sys

BENCHES = ["gateway_bench"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    for name in names:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
