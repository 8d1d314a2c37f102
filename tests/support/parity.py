"""``make parity``: how many recorded AWS expectations the gateway meets, per family.

A pytest plugin (``-p tests.support.parity``). A test counts as a recorded AWS
expectation when it cites a recording: its own source, or its module's docstring,
names a snapshot file (``*.snapshot.json``) or a recorded test
(``TestClass::test_name``). Only those tests run; the family is the test module
(``test_function_urls`` -> ``function_urls``). A test that skips is not met.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Any

import pytest

_CITATION = re.compile(r"\.snapshot\.json|\bTest[A-Z]\w+::test_\w+")


def _cites(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    if function is None:
        return False
    module = inspect.getmodule(function)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = ""
    return bool(_CITATION.search(source) or _CITATION.search((module.__doc__ or "") if module else ""))


def _family(item: pytest.Item) -> str:
    return item.path.stem.removeprefix("test_")


class Parity:
    def __init__(self) -> None:
        self.total: Counter[str] = Counter()
        self.met: Counter[str] = Counter()
        self.families: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: Any, items: list[pytest.Item]) -> None:
        kept = [item for item in items if _cites(item)]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
        for item in kept:
            self.families[item.nodeid] = _family(item)
            self.total[_family(item)] += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        family = self.families.get(report.nodeid)
        if family is None:
            return
        if report.when == "call" and report.passed:
            self.met[family] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        write("")
        write("Recorded AWS expectations met, per family:")
        for family in sorted(self.total):
            write(f"  {family:32} {self.met[family]:4} / {self.total[family]}")
        write(f"  {'all':32} {sum(self.met.values()):4} / {sum(self.total.values())}")


def pytest_configure(config: Any) -> None:
    config.pluginmanager.register(Parity(), "parity-counter")
