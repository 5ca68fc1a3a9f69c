"""The MLlib benchmark at a tiny scale: each engine in a process of its own, every algorithm timed,
the ratios and floors reported, the record written."""
from __future__ import annotations

import importlib.util
import json
import os

import pytest

pytestmark = pytest.mark.slow       # starts an engine process per engine


def test_a_tiny_run_times_every_algorithm_and_reports_the_floors(monkeypatch, tmp_path):
    from benchmarks import ml_bench
    monkeypatch.setattr(ml_bench, "DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(ml_bench, "RESULTS_DIR", str(tmp_path / "results"))
    engines = "sparklite,sklearn" if importlib.util.find_spec("sklearn") else "sparklite"
    ml_bench.main(["--rows", "3000", "--engines", engines])
    record = json.loads((tmp_path / "results" / "ml_bench.json").read_text())
    ours = record["results"]["sparklite"]
    assert ours["rows"] == 3000 and ours["peak_rss_bytes"] > 0
    for name in ml_bench.ALGORITHMS:
        assert ours[name]["seconds"] > 0
    assert ours["lr"]["iterations"] > 0 and ours["kmeans"]["iterations"] > 0
    if "sklearn" in engines:
        figures = {floor["figure"] for floor in record["floors"]}
        assert figures == {"logistic regression per iteration vs scikit-learn", "k-means per iteration vs scikit-learn"}
    assert os.listdir(tmp_path / "data") == ["ml_points_3000.parquet"]
