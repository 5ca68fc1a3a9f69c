"""The streaming tests' SparkSession (``local[2]``, UTC, 2 shuffle partitions: 2 state stores per
stateful operator): one for the package, made again if a test stopped it to run on another master
(``cluster_spark``), and stopped when the package's tests end; ``stream_dir`` is a fresh folder."""
from __future__ import annotations

import pytest

_local: list = []


def _session(master: str):
    from sparklite.sql import SparkSession
    return (SparkSession.builder.master(master).config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false").getOrCreate())


def _stop_local() -> None:
    while _local:
        _local.pop().stop()


@pytest.fixture(scope="package", autouse=True)
def _stop_at_the_end():
    yield
    _stop_local()


def local_session():
    """The package's ``local[2]`` session, made (again) when there is none running."""
    from sparklite import SparkContext
    from sparklite.core.api import is_stopped
    from tests.conftest import _stop_shared
    if not _local or is_stopped(_local[0].sparkContext):
        _stop_shared()
        if SparkContext._active is not None:
            SparkContext._active.stop()
        _local[:] = [_session("local[2]")]
    return _local[0]


@pytest.fixture
def spark():
    return local_session()


@pytest.fixture
def cluster_spark():
    """A session on ``local-cluster[2,1,512]`` (two executor processes) for one test."""
    from sparklite import SparkContext
    from tests.conftest import _stop_shared
    _stop_local()
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    session = _session("local-cluster[2,1,512]")
    yield session
    session.stop()


@pytest.fixture
def stream_dir(tmp_path):
    return str(tmp_path)
