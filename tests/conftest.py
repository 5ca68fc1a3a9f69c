"""Shared fixtures: one local SparkContext reused across tests, and fresh ones for tests that need
their own master or configuration (only one context may be active in a process)."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sparklite import SparkConf, SparkContext  # noqa: E402

_shared: list = []
BACKENDS = ["local[2]", "local-cluster[2,1,512]", pytest.param("ray", marks=pytest.mark.ray)]


def _stop_shared() -> None:
    while _shared:
        _shared.pop().stop()


def ensure_ray() -> None:
    """Start the session's Ray instance if it is not running (unittest classes call this directly)."""
    import ray
    from sparklite.core.backends.ray_backend import start_local_ray
    if not ray.is_initialized():
        start_local_ray(num_cpus=4)   # logical CPUs: room for 4 executors


@pytest.fixture(autouse=True)
def _close_fake_clusters():
    """A test's in-process FakeCluster executors remove their block directories when it ends."""
    yield
    from tests.core.fake_cluster import FakeCluster
    while FakeCluster.open_clusters:
        FakeCluster.open_clusters.pop().close()


@pytest.fixture(scope="session")
def ray_cluster():
    """One Ray instance for the whole test session; sparklite joins it and leaves it running."""
    import ray
    ensure_ray()
    yield
    _stop_shared()
    ray.shutdown()


@pytest.fixture(scope="session", params=BACKENDS)
def master(request):
    """The backend a core test runs on; session-scoped so tests are grouped per backend."""
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    return request.param


@pytest.fixture
def sc(master):
    """A SparkContext on each backend (``local[2]`` and ``ray``), shared by tests that need nothing special."""
    if not _shared or _shared[0]._stopped or _shared[0].master != master:
        _stop_shared()
        _shared[:] = [SparkContext(master, "sparklite-tests")]
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
