"""The SQL benchmark's runner at a tiny scale: every engine in a process of its own, answers compared
across engines, totals and the markdown report."""
from __future__ import annotations

import argparse
import importlib.util

import pytest

pytestmark = pytest.mark.slow       # starts an engine process per peer and makes TPC-H data


def test_a_tiny_run_compares_answers_and_reports_ratios():
    from benchmarks import sql_bench
    engines = ["sparklite"] + (["duckdb"] if importlib.util.find_spec("duckdb") else [])
    args = argparse.Namespace(sf="0.01", engines=engines, workloads=["startup", "tpch", "groupby", "wordcount"],
                              queries=["q01", "q06", "q13"], repeat=1, repeat_startup=1, timeout=300,
                              memory_limit=0.5, rows=20_000, text_mb=1)
    record = sql_bench.run(args)
    for query in ("q01", "q06", "q13"):
        assert record["results"][query]["sparklite"]["seconds"] > 0
        if "duckdb" in engines:
            assert record["results"][query]["sparklite"]["same_answer"] is True
    assert record["results"]["start-up (session + SELECT 1)"]["sparklite"]["seconds"] < 30
    assert record["tpch_totals"]["answered"]["sparklite"][0] == 3
    assert not [n for n in record["notes"] if "differ" in n]
    text = sql_bench.report(record)
    assert "| q06 |" in text and "TPC-H totals" in text
