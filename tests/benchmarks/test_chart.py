"""The benchmark chart: a real PNG whose height follows the number of rows when matplotlib is
installed, and ``False`` with nothing written when it is not."""
from __future__ import annotations

import struct
import sys

import pytest

from benchmarks.chart import ratio_rows, write_chart

RECORD = {"size": "tiny", "master": "local[2]", "python": "3.11.7", "cpus": 2, "time": "2026-11-26T09:02:48",
          "results": {"wordcount": {"sparklite": 4.16, "mapreduce": 40.7, "pyspark": 9.1},
                      "aggregation": {"sparklite": 3.77, "mapreduce": 9.81, "duckdb": 0.48}},
          "notes": []}


def _more_rows(record: dict, extra: int) -> dict:
    results = dict(record["results"])
    results.update({f"workload {i}": {"sparklite": 1.0, "mapreduce": 2.0 + i, "some-new-engine": 0.5}
                    for i in range(extra)})
    return {**record, "results": results}


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_chart_is_a_png_that_grows_with_rows(tmp_path):
    pytest.importorskip("matplotlib")
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    assert write_chart(RECORD, str(small)) is True
    assert write_chart(_more_rows(RECORD, 6), str(large)) is True
    (w1, h1), (w2, h2) = _png_size(small), _png_size(large)
    assert 400 <= w1 <= 3000 and 150 <= h1 <= 3000
    assert 400 <= w2 <= 3000 and h2 > h1
    assert large.stat().st_size < 200_000


def test_chart_copes_with_rows_it_cannot_compare(tmp_path):
    pytest.importorskip("matplotlib")
    record = {**RECORD, "results": {"grep": {"mapreduce": 3.0}, "sort": {"sparklite": 1.0},
                                    "kmeans": {"sparklite": 0.0, "mapreduce": 1.0}}}
    assert write_chart(record, str(tmp_path / "empty.png")) is True
    _png_size(tmp_path / "empty.png")


def test_ratios_are_relative_to_sparklite_in_record_order():
    record = {"results": {"b": {"sparklite": 2.0, "mapreduce": 8.0, "mystery": 1.0},
                          "no sparklite": {"mapreduce": 1.0},
                          "a": {"sparklite": 4.0, "duckdb": 1.0, "polars": 0.0}}}
    assert ratio_rows(record) == [("b", {"mapreduce": 4.0, "mystery": 0.5}), ("a", {"duckdb": 0.25})]


def test_without_matplotlib_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert write_chart(RECORD, str(tmp_path / "chart.png")) is False
    assert list(tmp_path.iterdir()) == []
