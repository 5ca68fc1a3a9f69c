"""One SparkSession for the ML tests (``local[2]``, UTC), stopped when the package's tests end."""
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
    session = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield session
    session.stop()
