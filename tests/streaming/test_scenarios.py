"""Every scenario of ``scenarios.py`` on sparklite gives PySpark's batches: the rows of each batch, its
input rows, the watermark in force and the state operator's counters, and the checkpoint's log
entries after each run (``golden/scenarios.json``, made by ``golden/generate_scenarios.py``); a query
PySpark refuses is refused at ``start()`` with its condition and first line of text."""
from __future__ import annotations

import json
import pathlib

import pytest

from sparklite.sql import functions as F
from tests.streaming import scenarios as S

GOLDEN = json.loads((pathlib.Path(__file__).parent / "golden" / "scenarios.json").read_text())
# PySpark runs the sort's sampling job over the aggregate too, counting its state twice (see scenarios.py)
STATE_COUNTED_TWICE = {"sort_after_agg_complete"}


def rounded(value):
    """Doubles to 12 significant digits: a standard deviation merged from partial states may differ from
    Spark's in the last bits."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


@pytest.mark.parametrize("scenario", S.SCENARIOS, ids=lambda s: s.name)
def test_the_scenario_gives_pysparks_batches(spark, tmp_path, scenario):
    expected = GOLDEN[scenario.name]
    got = S.run_scenario(spark, F, scenario, str(tmp_path))
    if "error" in expected:
        assert "error" in got, f"sparklite ran a query PySpark refuses: {got}"
        assert got["error"]["error_class"] == expected["error"]["error_class"]
        assert got["error"]["message"] == expected["error"]["message"]
        assert got["error"]["raised_at"] == expected["error"]["raised_at"]
        return
    assert "error" not in got, got.get("error")
    for run, (mine, theirs) in enumerate(zip(got["runs"], expected["runs"]), 1):
        if scenario.name in STATE_COUNTED_TWICE:
            for batch in theirs["batches"] + mine["batches"]:
                batch["state"] = None
        assert rounded(mine) == rounded(theirs), f"run {run} differs"
    assert len(got["runs"]) == len(expected["runs"])
