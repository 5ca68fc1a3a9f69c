"""One SparkSession for the streaming tests (``local[2]``, UTC, 2 shuffle partitions: 2 state stores per
stateful operator), stopped when the package's tests end; ``stream_dir`` is a fresh folder per test."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def spark():
    from sparklite import SparkContext
    from sparklite.sql import SparkSession
    from tests.conftest import _stop_shared
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    session = (SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false").getOrCreate())
    yield session
    session.stop()


@pytest.fixture
def stream_dir(tmp_path):
    return str(tmp_path)
