"""Fast paths of the SQL engine agree with its general paths: each test runs a query both ways (or
against Python's exact arithmetic) on data made to hit the edges."""
from __future__ import annotations

import decimal
import random

import pytest

from sparklite.sql import functions as F


@pytest.fixture(scope="module")
def spark():
    from sparklite.sql import SparkSession
    session = SparkSession.builder.master("local[2]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    yield session
    session.stop()                    # its temporary views must not reach the next module's session


def _sorted(rows):
    return sorted((tuple(r) for r in rows), key=repr)


@pytest.mark.parametrize("chunk_rows", [1 << 20, 7])
def test_counts_by_acero_agree_with_the_general_aggregate(spark, monkeypatch, chunk_rows):
    from sparklite.sql.execution import aggregate
    monkeypatch.setattr(aggregate, "_CHUNK_ROWS", chunk_rows)
    rng = random.Random(3)
    rows = [(rng.choice(["a", "b", None, "c"]), rng.choice([1, 2, None]), rng.choice([None, 1.5, 2.5]))
            for _ in range(500)]
    df = spark.createDataFrame(rows, "k string, j int, v double").repartition(3)
    fast = df.groupBy("k", "j").agg(F.count("*").alias("n"), F.count("v").alias("nv")).collect()
    # a sum beside the counts takes the general path
    general = df.groupBy("k", "j").agg(F.count("*").alias("n"), F.count("v").alias("nv"), F.sum("j")).collect()
    assert _sorted(fast) == _sorted(r[:4] for r in general)
    expected = {}
    for k, j, v in rows:
        n, nv = expected.get((k, j), (0, 0))
        expected[(k, j)] = (n + 1, nv + (v is not None))
    assert _sorted(fast) == _sorted((k, j, n, nv) for (k, j), (n, nv) in expected.items())


def test_decimal_arithmetic_is_exact_and_rounded_half_up(spark):
    rng = random.Random(5)
    values = [(decimal.Decimal(rng.randint(-10**9, 10**9)).scaleb(-2), decimal.Decimal(rng.randint(-999, 999)).scaleb(-3))
              for _ in range(300)] + [(decimal.Decimal("0.05"), decimal.Decimal("0.003")), (None, decimal.Decimal(1))]
    df = spark.createDataFrame(values, "a decimal(15,2), b decimal(6,3)")
    got = df.select((F.col("a") * F.col("b")).alias("m"), (F.col("a") + F.col("b")).alias("s"),
                    (F.col("a") - F.col("b")).alias("d"),
                    F.when(F.col("b") != 0, F.col("a") / F.col("b")).alias("q")).collect()
    context = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_UP)
    for (a, b), row in zip(values, got):
        if a is None:
            assert tuple(row) == (None, None, None, None)
            continue
        assert row.m == context.multiply(a, b)                                  # decimal(22,5): exact
        assert row.s == context.add(a, b) and row.d == context.subtract(a, b)   # decimal(17,3)
        if b:
            # decimal(15,2) / decimal(6,3): scale max(6, 2 + 6 + 1) = 9
            assert row.q == context.divide(a, b).quantize(decimal.Decimal("1e-9"), decimal.ROUND_HALF_UP)


def test_decimal_sums_and_averages_match_exact_ones(spark):
    rng = random.Random(9)
    values = [(rng.randint(0, 4), decimal.Decimal(rng.randint(-10**12, 10**12)).scaleb(-2)) for _ in range(400)]
    df = spark.createDataFrame(values, "g int, x decimal(15,2)").repartition(4)
    got = {r.g: (r.s, r.a) for r in df.groupBy("g").agg(F.sum("x").alias("s"), F.avg("x").alias("a")).collect()}
    for g in range(5):
        xs = [x for k, x in values if k == g]
        total = sum(xs)
        average = (total / len(xs)).quantize(decimal.Decimal("1e-6"), decimal.ROUND_HALF_UP)
        assert got[g] == (total, average)


def test_comma_joins_are_reordered_and_keep_their_columns(spark):
    a = spark.createDataFrame([(i, i % 7) for i in range(50)], "a_id int, a_b int")
    b = spark.createDataFrame([(i, f"b{i}") for i in range(7)], "b_id int, b_name string")
    c = spark.createDataFrame([(i * 2, i) for i in range(25)], "c_a int, c_v int")
    for name, df in (("ra", a), ("rb", b), ("rc", c)):
        df.createOrReplaceTempView(name)
    # written as ra x rb x rc with the join keys in WHERE: rb and rc both link to ra only
    query = spark.sql("SELECT * FROM rb, rc, ra WHERE a_b = b_id AND c_a = a_id AND c_v > 3")
    assert query.columns == ["b_id", "b_name", "c_a", "c_v", "a_id", "a_b"]
    expected = [(ab, f"b{ab}", ai, ai // 2, ai, ab) for ai in range(0, 50, 2) for ab in [ai % 7] if ai // 2 > 3]
    assert _sorted(query.collect()) == _sorted(expected)
    assert "Cartesian" not in query._explain_string("simple") and "NestedLoop" not in query._explain_string("simple")


def test_a_filter_on_a_parquet_column_skips_row_groups_its_statistics_rule_out(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sparklite.sql.execution.physical import DataSourceScanExec
    path = str(tmp_path / "sorted.parquet")
    pq.write_table(pa.table({"x": pa.array(range(10_000), pa.int64()), "y": pa.array([i % 3 for i in range(10_000)])}),
                   path, row_group_size=1000)
    spark.read.parquet(path).createOrReplaceTempView("sorted_view")
    query = spark.sql("SELECT x, y FROM sorted_view WHERE x >= 8500 AND y = 1")
    assert sorted(r.x for r in query.collect()) == [x for x in range(8500, 10_000) if x % 3 == 1]
    def nodes(plan):
        yield plan
        for child in plan.children:
            yield from nodes(child)
    scans = [node for node in nodes(query._query.physical) if isinstance(node, DataSourceScanExec)]
    assert len(scans) == 1 and ("x", ">=", 8500) in scans[0].source.filters
    read = sum(batch.num_rows for split in scans[0].source.splits() for batch in scans[0].source.read(split, ["x", "y"]))
    assert read == 2000                      # the row groups of 8000..9999 only


def _shape(text: str) -> list:
    """The operator of each line of a printed plan, with its depth (ids, expressions and sizes dropped)."""
    shape = []
    for line in text.splitlines():
        stripped = line.lstrip(" :+-|")
        if not stripped or stripped.startswith("=="):
            continue
        depth = (len(line) - len(stripped)) // 3
        shape.append((depth, stripped.split("(")[0].split(" ")[0]))
    return shape


def test_explain_prints_the_plan_shapes_spark_prints(spark, capsys):
    orders = spark.createDataFrame([(i, i % 3, float(i)) for i in range(30)], "id int, c int, amount double")
    names = spark.createDataFrame([(0, "x"), (1, "y"), (2, "z")], "c int, name string")
    query = orders.filter("amount > 3").join(names, "c").groupBy("name").agg(F.sum("amount").alias("total"))
    query.explain()
    printed = capsys.readouterr().out
    assert printed.startswith("== Physical Plan ==\n")
    operators = [op for _, op in _shape(printed)]
    # the final aggregate over an exchange by the key over the partial one, the small side broadcast
    assert operators[:4] == ["Project", "HashAggregate", "Exchange", "HashAggregate"]
    assert "BroadcastHashJoin" in operators
    assert "partial_sum(amount)" in printed and "hashpartitioning(name, 200)" in printed
    query.explain(True)
    sections = [line for line in capsys.readouterr().out.splitlines() if line.startswith("== ")]
    assert sections == ["== Parsed Logical Plan ==", "== Analyzed Logical Plan ==", "== Optimized Logical Plan ==",
                        "== Physical Plan =="]
    query.explain(mode="cost")
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("== ")] == [
        "== Optimized Logical Plan ==", "== Physical Plan =="]
    with pytest.raises(Exception, match="Unknown explain mode"):
        query.explain(mode="nonsense")


def test_a_filter_on_a_partition_column_reads_only_the_partitions_it_may_match(spark, tmp_path):
    from sparklite.sql.execution.physical import DataSourceScanExec
    path = str(tmp_path / "parted")
    rows = [(i, f"d{i % 4}", i % 3 if i % 5 else None) for i in range(40)]
    spark.createDataFrame(rows, "x int, day string, h int").write.partitionBy("day", "h").parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("parted")
    query = spark.sql("SELECT x FROM parted WHERE day = 'd1' AND h >= 1")
    assert sorted(r.x for r in query.collect()) == sorted(i for i, d, h in rows if d == "d1" and h is not None
                                                           and h >= 1)

    def nodes(plan):
        yield plan
        for child in plan.children:
            yield from nodes(child)
    (scan,) = [n for n in nodes(query._query.physical) if isinstance(n, DataSourceScanExec)]
    read = {piece.partition for split in scan.source.splits() for piece in split}
    assert read == {("d1", 1), ("d1", 2)}          # not d0/d2/d3, not h=0 nor the NULL partition


def test_a_side_that_turns_out_small_is_broadcast_and_the_other_is_not_shuffled(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sparklite.core import api
    from sparklite.core.listener import SparkListener
    big, small = str(tmp_path / "big.parquet"), str(tmp_path / "small.parquet")
    pq.write_table(pa.table({"k": pa.array([i % 100 for i in range(20_000)]), "v": pa.array(range(20_000))}), big)
    pq.write_table(pa.table({"k": pa.array(range(5_000)), "name": pa.array([f"n{i}" for i in range(5_000)])}), small)

    class ShuffleBytes(SparkListener):
        def __init__(self):
            self.written = 0

        def onTaskEnd(self, event):
            self.written += event.metrics.shuffle_write_bytes
    # the file of names is over the threshold, so the plan shuffles both sides; its filter leaves 3 rows
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "20KB")
    try:
        answers = {}
        for adaptive in ("false", "true"):
            spark.conf.set("spark.sql.adaptive.enabled", adaptive)
            counter = ShuffleBytes()
            spark.sparkContext.addSparkListener(counter)
            query = spark.read.parquet(big).join(spark.read.parquet(small).filter("k < 3"), "k")
            assert "ShuffledHashJoin" in query._explain_string("simple")
            answers[adaptive] = (sorted(tuple(r) for r in query.collect()), counter)
            api.wait_for_listeners(spark.sparkContext)
            spark.sparkContext.removeSparkListener(counter)
        assert answers["true"][0] == answers["false"][0] and len(answers["true"][0]) == 600
        # without adaptive execution the 20,000 rows were shuffled too
        assert answers["true"][1].written * 10 < answers["false"][1].written
    finally:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "10MB")
        spark.conf.set("spark.sql.adaptive.enabled", "true")


def test_the_pandas_api_on_spark_is_not_provided_and_says_what_to_use(spark):
    from sparklite.sql.errors import PySparkNotImplementedError
    with pytest.raises(PySparkNotImplementedError, match=r"pandas API on Spark.*toPandas\(\)") as raised:
        spark.range(3).pandas_api()
    assert raised.value.getCondition() == "NOT_IMPLEMENTED"


def test_approx_quantile_keeps_its_relative_error_and_leaves_out_nulls_and_nan(spark):
    import numpy as np
    values = np.random.default_rng(3).normal(size=20_000)
    rows = [(float(v),) for v in values] + [(None,), (float("nan"),)]
    df = spark.createDataFrame(rows, "x double").repartition(4)
    found = df.approxQuantile("x", [0.1, 0.5, 0.9], 0.01)
    ordered = np.sort(values)
    for p, value in zip([0.1, 0.5, 0.9], found):
        rank = np.searchsorted(ordered, value, side="right")
        assert abs(rank - p * len(values)) <= 0.01 * len(values) + 1
    assert df.approxQuantile("x", [0.0, 1.0], 0.0) == [ordered[0], ordered[-1]]
    assert df.where("x is null").approxQuantile("x", [0.5], 0.1) == []


def test_an_aggregate_over_a_window_over_an_rdd_ships_no_plan_to_its_tasks(spark):
    """The partial aggregate's tasks once held their child plan, and through it the source RDD."""
    from sparklite.sql import Window
    rdd = spark.sparkContext.parallelize([(1.0, 2.0), (3.0, 1.0), (2.0, 2.0)], 2)
    df = spark.createDataFrame(rdd, ["a", "b"])
    ranked = df.select("b", F.rank().over(Window.partitionBy("a").orderBy("b")).alias("r"))
    assert sorted(tuple(r) for r in ranked.groupBy("b").agg(F.collect_list("r")).collect()) == [(1.0, [1]), (2.0, [1, 1])]
