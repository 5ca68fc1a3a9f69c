"""The 22 TPC-H queries at scale factor 0.1 on sparklite, each answer against PySpark 4.3's.

The tables are tpchgen's Parquet files (``tpch/data.py`` generates them once into a cache folder),
read with ``spark.read.parquet`` and registered as temporary views on one ``local[2]`` session in UTC.
Each query of ``tpch/queries/`` and each DataFrame form of ``tpch/dataframe_queries.py`` must give the
answer of ``tpch/golden/sf0.1/qNN.json`` (written by ``tpch/golden/generate.py`` on PySpark): the same
column names and types, the same rows in the same order (every query of more than one row sorts
them), decimals exactly, doubles within a relative 1e-9. Each query runs with this process's address
space (where SQL's Arrow tasks run, on the executor's threads) capped at its size before the query
plus 4 GiB, so that a plan that explodes (a cartesian product of two TPC-H tables) fails its test with
a MemoryError instead of exhausting the machine.

``PENDING`` and ``DATAFRAME_PENDING`` name the queries sparklite cannot run yet, each with the first
error it hits: they run and are expected to fail (strict), so a query that starts passing fails the
run until its entry is removed. The tables shrink, never grow.
"""
from __future__ import annotations

import contextlib
import re
import resource

import pytest

from tests.sql.tpch import QUERIES, differences, load_golden, query_text, register_tables, result_of
from tests.sql.tpch.data import tpch_tables
from tests.sql.tpch.dataframe_queries import DATAFRAME_QUERIES

PENDING: dict[str, str] = {}
DATAFRAME_PENDING: dict[str, str] = {}
HEADROOM = 4 * 2**30
# Q1 alone takes ~17 s of CPU (600k rows of decimal arithmetic), and the file runs for minutes
pytestmark = pytest.mark.slow


def _cases(names, pending):
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(reason=pending[name], strict=True)]
                         if name in pending else []) for name in names]


@pytest.fixture(scope="module")
def spark():
    paths = tpch_tables("0.1")
    from sparklite.sql import SparkSession
    session = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    registered = []

    def with_tables():
        # registered by the first query, so that a reader failure fails (or xfails) queries, not the setup
        if not registered:
            register_tables(session, paths)
            registered.append(True)
        return session

    yield with_tables
    session.stop()


@contextlib.contextmanager
def _memory_cap():
    """Cap the address space at the current size plus ``HEADROOM`` (Linux; elsewhere no cap)."""
    try:
        with open("/proc/self/status") as status:
            size = int(re.search(r"VmSize:\s+(\d+) kB", status.read()).group(1)) * 1024
    except (OSError, AttributeError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + HEADROOM if hard == resource.RLIM_INFINITY else min(size + HEADROOM, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _assert_answer(name: str, query) -> None:
    with _memory_cap():
        actual = result_of(query())
    found = differences(load_golden(name), actual)
    if found:
        pytest.fail(f"{name}: " + "\n  ".join(found), pytrace=False)


@pytest.mark.parametrize("name", _cases(QUERIES, PENDING))
def test_sql_query(spark, name):
    session = spark()
    _assert_answer(name, lambda: session.sql(query_text(name)))


@pytest.mark.parametrize("name", _cases(sorted(DATAFRAME_QUERIES), DATAFRAME_PENDING))
def test_dataframe_query(spark, name):
    session = spark()
    _assert_answer(name, lambda: DATAFRAME_QUERIES[name](session))
