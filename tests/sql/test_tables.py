"""Catalog tables (CREATE TABLE ... USING, CTAS, INSERT INTO/OVERWRITE, DROP TABLE, saveAsTable,
insertInto) against PySpark 4.3's answers: ``golden_tables/scenario.py`` is one session's life with
tables, ``golden_tables/golden.json`` what PySpark gave for each step (``golden_tables/generate.py``)."""
from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden_tables"
_spec = importlib.util.spec_from_file_location("table_scenario", GOLDEN_DIR / "scenario.py")
scenario = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenario)
GOLDEN = json.loads((GOLDEN_DIR / "golden.json").read_text(encoding="utf-8"))


def _json(value):
    return json.loads(json.dumps(value, default=str))


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    from sparklite.sql import SparkSession
    warehouse = tmp_path_factory.mktemp("warehouse")
    spark = (SparkSession.builder.master("local[2]").config("spark.sql.warehouse.dir", str(warehouse))
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    try:
        steps = scenario.run(spark)
        yield dict((name, _json(result)) for name, result in steps), warehouse, spark
    finally:
        spark.stop()


@pytest.mark.parametrize("name", [name for name, _ in GOLDEN])
def test_step_agrees_with_pyspark(outcome, name):
    results, _, _ = outcome
    assert results[name] == dict(GOLDEN)[name]


def test_a_dropped_managed_table_leaves_no_files(outcome):
    _, warehouse, _ = outcome
    # t1, t3 and t4 are live, t2 was dropped and made again empty: its old rows are gone
    assert sorted(p.name for p in warehouse.iterdir()) == ["t1", "t2", "t3", "t4"]
    assert not [p for p in (warehouse / "t2").rglob("*.parquet")]


def test_a_table_is_known_to_every_session_of_the_application(outcome):
    _, warehouse, spark = outcome
    spark.range(3).write.saveAsTable("kept")
    other = spark.newSession()
    assert sorted(r.id for r in other.table("kept").collect()) == [0, 1, 2]
    other.sql("DROP TABLE kept")
    assert not (warehouse / "kept").exists()
    (warehouse / "kept").mkdir()           # a leftover directory where a managed table would go
    with pytest.raises(Exception, match="LOCATION_ALREADY_EXISTS"):
        other.sql("CREATE TABLE kept (a INT) USING parquet")
    (warehouse / "kept").rmdir()
