"""Queries larger than their tasks' execution memory spill to disk and still give the right rows.

A session with ``spark.executor.memory=8m`` (about 5 MB of execution memory for the executor's
two task slots) runs a global sort, a group-by with many groups and shuffled joins of every type
over inputs several times that size; each answer is checked against plain Python, the task
metrics must show bytes spilled, and no spill file is left in ``spark.local.dir`` afterwards.
"""
from __future__ import annotations

import os
import random
from collections import Counter, defaultdict

import pytest

ROWS = 120_000


@pytest.fixture(scope="module")
def spilling(tmp_path_factory):
    from sparklite.core.api import SparkListener
    from sparklite.sql import SparkSession
    local_dir = tmp_path_factory.mktemp("local")
    spark = (SparkSession.builder.master("local[2]").config("spark.executor.memory", "8m")
             .config("spark.local.dir", str(local_dir))
             .config("spark.sql.autoBroadcastJoinThreshold", "-1")
             .config("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1").getOrCreate())
    spilled = []

    class Spills(SparkListener):
        def onTaskEnd(self, event):
            spilled.append(event.metrics.spilled_bytes)
    spark.sparkContext.addSparkListener(Spills())
    yield spark, spilled, local_dir
    spark.stop()


def _run(spilling, query):
    from sparklite.core.api import wait_for_listeners
    spark, spilled, local_dir = spilling
    spilled.clear()
    rows = query.collect()
    wait_for_listeners(spark.sparkContext, 10)
    leftovers = [name for _, _, files in os.walk(local_dir) for name in files if name.startswith("spill-")]
    assert not leftovers, f"spill files left behind: {leftovers[:3]}"
    return rows, sum(spilled)


def _keys(seed: int, n: int, distinct: int):
    rng = random.Random(seed)
    return [None if rng.random() < 0.01 else rng.randrange(distinct) for _ in range(n)]


def test_a_global_sort_larger_than_memory_spills_sorted_runs_and_merges_them(spilling):
    spark = spilling[0]
    keys = _keys(1, ROWS, ROWS // 3)
    df = spark.createDataFrame([(k, f"row-{i:07d}") for i, k in enumerate(keys)], "k int, s string").repartition(4)
    rows, spilled = _run(spilling, df.orderBy("k", "s"))
    assert spilled > 0
    expected = sorted(((k, f"row-{i:07d}") for i, k in enumerate(keys)), key=lambda r: (r[0] is not None, r[0] or 0, r[1]))
    assert [tuple(r) for r in rows] == expected


def test_a_descending_sort_with_nulls_last_spills_in_its_order(spilling):
    spark = spilling[0]
    from sparklite.sql import functions as F
    keys = _keys(2, ROWS, 1000)
    df = spark.createDataFrame([(k, i, f"padding-{i:012d}") for i, k in enumerate(keys)],
                               "k int, i int, s string").repartition(4)
    rows, spilled = _run(spilling, df.orderBy(F.col("k").desc_nulls_last(), "i"))
    assert spilled > 0
    expected = sorted(((k, i, f"padding-{i:012d}") for i, k in enumerate(keys)),
                      key=lambda r: (r[0] is None, -(r[0] or 0), r[1]))
    assert [tuple(r) for r in rows] == expected


def test_a_group_by_with_more_groups_than_memory_holds_spills_and_counts_every_row(spilling):
    spark = spilling[0]
    from sparklite.sql import functions as F
    keys = _keys(3, ROWS, ROWS // 2)
    df = spark.createDataFrame([(k, i, f"v{i}") for i, k in enumerate(keys)], "k int, i long, s string").repartition(4)
    rows, spilled = _run(spilling, df.groupBy("k").agg(F.count("*").alias("n"), F.sum("i").alias("total"),
                                                       F.max("s").alias("top")))
    assert spilled > 0
    n, total, top = Counter(), defaultdict(int), {}
    for i, k in enumerate(keys):
        n[k] += 1
        total[k] += i
        top[k] = max(top.get(k, ""), f"v{i}")
    assert {r.k: (r.n, r.total, r.top) for r in rows} == {k: (n[k], total[k], top[k]) for k in n}
    assert len(rows) == len(n)


@pytest.mark.parametrize("how", ["inner", "left", "right", "full", "left_semi", "left_anti"])
def test_shuffled_joins_larger_than_memory_spill_by_key_and_match_every_row(spilling, how):
    spark = spilling[0]
    left_keys, right_keys = _keys(4, ROWS // 2, ROWS // 4), _keys(5, ROWS // 2, ROWS // 4)
    # padding makes each side several times what a task may hold, whatever the partitions' sizes
    left = spark.createDataFrame([(k, i, f"left-padding-{i:012d}") for i, k in enumerate(left_keys)],
                                 "k int, a int, p string").repartition(4)
    right = spark.createDataFrame([(k, i, f"right-padding-{i:012d}") for i, k in enumerate(right_keys)],
                                  "k int, b int, q string").repartition(4)
    joined = left.join(right, left.k == right.k, how)
    joined = joined.select("k", "a") if how in ("left_semi", "left_anti") else \
        joined.select(left.k, "a", right.k, "b")
    rows, spilled = _run(spilling, joined)
    assert spilled > 0
    by_key = defaultdict(list)
    for i, k in enumerate(right_keys):
        if k is not None:
            by_key[k].append(i)
    matched_right, expected = set(), []
    for a, k in enumerate(left_keys):
        partners = by_key.get(k, []) if k is not None else []
        if how in ("left_semi", "left_anti"):
            if bool(partners) == (how == "left_semi"):
                expected.append((k, a))
            continue
        for b in partners:
            expected.append((k, a, k, b))
            matched_right.add(b)
        if not partners and how in ("left", "full"):
            expected.append((k, a, None, None))
    if how in ("right", "full"):
        expected += [(None, None, k, b) for b, k in enumerate(right_keys) if b not in matched_right]
    assert sorted(map(tuple, rows), key=repr) == sorted(expected, key=repr)


def test_window_partitions_larger_than_memory_spill_by_partition_key(spilling):
    spark = spilling[0]
    from sparklite.sql import Window
    from sparklite.sql import functions as F
    keys = _keys(6, ROWS, 5000)
    df = spark.createDataFrame([(k, i, f"padding-{i:012d}") for i, k in enumerate(keys)],
                               "k int, i int, s string").repartition(4)
    window = Window.partitionBy("k").orderBy(F.col("i").desc())
    rows, spilled = _run(spilling, df.select("k", "i", F.row_number().over(window).alias("r"),
                                             F.sum("i").over(Window.partitionBy("k")).alias("total")))
    assert spilled > 0
    members = defaultdict(list)
    for i, k in enumerate(keys):
        members[k].append(i)
    expected = {(k, i, rank + 1, sum(ids)) for k, ids in members.items()
                for rank, i in enumerate(sorted(ids, reverse=True))}
    assert {tuple(r) for r in rows} == expected and len(rows) == ROWS
