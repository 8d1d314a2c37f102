"""Fixtures of the SQS event source tests: one companion-client set, one report
collector and one reporting function per test module; each test's mappings are
removed after it."""

from __future__ import annotations

import pytest

from .sqs_support import Clients, Reports


@pytest.fixture(scope="module")
def clients(gateway) -> Clients:
    return Clients(gateway.url)


@pytest.fixture(autouse=True)
def _remove_mappings(clients):
    yield
    clients.remove_mappings()


@pytest.fixture(scope="module")
def reports(clients) -> Reports:
    return Reports(clients)


@pytest.fixture(scope="module")
def reporter(clients, reports) -> str:
    return clients.reporter(reports.url)
