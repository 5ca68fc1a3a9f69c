"""The graph tests' session: one local[2] SparkSession per module (with two shuffle partitions), the
shared context of the other tests stopped first (one context per process)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def spark():
    from sparklite import SparkContext
    from sparklite.sql import SparkSession
    from tests.conftest import _stop_shared
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    session = SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", 2).getOrCreate()
    yield session
    session.stop()
