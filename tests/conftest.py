"""Shared fixtures: one local SparkContext reused across tests, and fresh ones for tests that need
their own master or configuration (only one context may be active in a process)."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sparklite import SparkConf, SparkContext  # noqa: E402

_shared: list = []


def _stop_shared() -> None:
    while _shared:
        _shared.pop().stop()


@pytest.fixture
def sc():
    """A ``local[2]`` SparkContext shared by the tests that need nothing special."""
    if not _shared or _shared[0]._stopped:
        _shared[:] = [SparkContext("local[2]", "sparklite-tests")]
    return _shared[0]


@pytest.fixture
def make_sc():
    """``make_sc(master, **conf)`` starts a SparkContext of the test's own; stopped afterwards."""
    made = []

    def make(master: str = "local[2]", **conf) -> SparkContext:
        _stop_shared()
        for other in made:
            other.stop()
        conf_obj = SparkConf().setAll((k.replace("_", "."), v) for k, v in conf.items())
        context = SparkContext(master, "sparklite-test", conf=conf_obj)
        made.append(context)
        return context

    yield make
    for context in made:
        context.stop()


@pytest.fixture
def no_sc():
    """No SparkContext is active while the test runs (for code that starts its own)."""
    _stop_shared()
    yield
    if SparkContext._active is not None:
        SparkContext._active.stop()


def pytest_sessionfinish(session, exitstatus):
    _stop_shared()
