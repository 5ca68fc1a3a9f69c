"""Smaller PySpark behaviours: conf value strings, fixed-length records, checkpoint directories,
task metrics."""
from __future__ import annotations

import os

import pytest

from sparklite import SparkConf, SparkJobError
from sparklite.core import listener as ev


def test_conf_stores_str_of_the_value_as_pyspark_does():
    conf = SparkConf(loadDefaults=False).set("a", True).set("b", 3)
    assert conf.get("a") == "True" and conf.get("b") == "3"
    assert conf.get_bool("a") is True


def test_binary_records_rejects_a_file_that_is_not_whole_records(sc, tmp_path):
    (tmp_path / "ok.bin").write_bytes(bytes(range(12)))
    assert sc.binaryRecords(str(tmp_path / "ok.bin"), 4).collect() == [bytes(range(i, i + 4)) for i in (0, 4, 8)]
    (tmp_path / "bad.bin").write_bytes(bytes(range(10)))
    with pytest.raises(SparkJobError, match="not a multiple of the record length 4"):
        sc.binaryRecords(str(tmp_path / "bad.bin"), 4).collect()


def test_checkpoints_go_to_a_directory_of_this_run(sc, tmp_path):
    sc.setCheckpointDir(str(tmp_path))
    run_dir = sc.getCheckpointDir()
    assert run_dir.startswith("file:" + str(tmp_path) + "/")
    rdd = sc.parallelize(range(10), 2).map(lambda x: x + 1)
    rdd.checkpoint()
    assert rdd.sum() == 55
    assert rdd.getCheckpointFile() == f"{run_dir}/rdd-{rdd.id()}"
    written = os.listdir(os.path.join(run_dir[len("file:"):], f"rdd-{rdd.id()}"))
    assert sorted(written) == ["part-00000.arrow", "part-00001.arrow"]


def test_task_metrics_reach_listeners(sc):
    class Collect(ev.SparkListener):
        def __init__(self):
            self.metrics = []

        def onTaskEnd(self, e):
            self.metrics.append(e.metrics)

    listener = Collect()
    sc.addSparkListener(listener)
    try:
        sc.parallelize([("a", 1)] * 100, 2).reduceByKey(lambda a, b: a + b).collect()
        sc._bus.wait_until_empty()
    finally:
        sc.removeSparkListener(listener)
    written = sum(m.shuffle_write_bytes for m in listener.metrics)
    read = sum(m.shuffle_read_bytes for m in listener.metrics)
    assert written > 0 and read == written
    assert all(m.duration >= m.executor_run_time >= 0 for m in listener.metrics)
    assert all(m.peak_rss_bytes > 10 << 20 for m in listener.metrics)


@pytest.mark.parametrize("size,partitions", [(5000, 4), (50, 3), (1, 2)])
def test_sort_by_key_one_pass_sample_equals_count_then_sample(sc, size, partitions):
    pairs = sc.parallelize([(f"k{(i * 7919) % size}", i) for i in range(size)], 3)
    count, sample = pairs._count_and_sample_keys(partitions * 20.0, seed=1)
    fraction = min(partitions * 20.0 / max(pairs.count(), 1), 1.0)
    assert count == pairs.count()
    assert sample == pairs.sample(False, fraction, 1).map(lambda kv: kv[0]).collect()


def test_join_of_co_partitioned_rdds_needs_no_shuffle_and_keeps_pyspark_order(sc):
    from sparklite.core.dependencies import ShuffleDependency
    left = sc.parallelize([(i % 7, i) for i in range(40)], 3).partitionBy(4)
    right = sc.parallelize([(i % 5, -i) for i in range(30)], 2).partitionBy(4)
    for name in ("join", "leftOuterJoin", "rightOuterJoin", "fullOuterJoin"):
        fast = getattr(left, name)(right)
        assert not any(isinstance(d, ShuffleDependency) for d in fast.dependencies)
        assert fast.partitioner == left.partitioner
        # the general path (tag, union, groupByKey), forced by asking for another partition count first
        general = getattr(left, name)(right, 5).collect()
        assert sorted(fast.collect(), key=repr) == sorted(general, key=repr)
    # order inside partitions: keys first seen on the left, pairs as for v in left: for w in right
    part0 = left.join(right).glom().collect()[0]
    keys = list(dict.fromkeys(k for k, _ in part0))
    left0 = left.glom().collect()[0]
    assert keys == [k for k in dict.fromkeys(k for k, _ in left0) if k in {k for k, _ in right.collect()}]


@pytest.mark.parametrize("keys", ["strings", "ints", "mixed"])
def test_join_with_a_cached_left_side_matches_the_uncached_join(sc, keys):
    # A cached left partition is filtered on its encoded key column before decoding (inner and right
    # outer joins); the records and their order must be exactly those of the uncached join.
    make = {"strings": lambda i: f"n{i % 50}", "ints": lambda i: i % 50,
            "mixed": lambda i: f"n{i}" if i % 3 else i % 50}[keys]
    links = sc.parallelize([(make(i), [make(i * 7 + j) for j in range(i % 4)]) for i in range(300)], 3)
    links = links.partitionBy(4)
    ranks = sc.parallelize([(make(i), i * 0.5) for i in range(0, 300, 11)], 2).partitionBy(4)
    expected = {name: getattr(links, name)(ranks).glom().collect()
                for name in ("join", "rightOuterJoin", "leftOuterJoin", "fullOuterJoin")}
    cached = links.cache()
    cached.count()
    for name, want in expected.items():
        assert getattr(cached, name)(ranks).glom().collect() == want, name
    assert cached.join(sc.emptyRDD().partitionBy(4)).collect() == []


def test_join_with_a_cached_left_side_and_a_key_arrow_cannot_hold(sc):
    # A lone surrogate cannot become an Arrow string: the filter is skipped, not the join.
    left = sc.parallelize([("a", 1), ("b", 2)], 2).partitionBy(2).cache()
    left.count()
    right = sc.parallelize([("a", 10), ("\ud800", 3)], 2).partitionBy(2)
    assert left.join(right).collect() == [("a", (1, 10))]


def test_a_map_before_reduce_by_key_add_runs_once_per_record_with_its_errors(sc):
    # The map-side combine calls a trailing map's function itself; nothing a user sees may change.
    from operator import add
    calls = sc.accumulator(0)

    def pair(word):
        calls.add(1)
        return word, 1

    words = sc.parallelize(["a b a", "c a b", ""], 3).flatMap(str.split)
    assert sorted(words.map(pair).reduceByKey(add).collect()) == [("a", 3), ("b", 2), ("c", 1)]
    assert calls.value == 6
    assert sorted(words.map(lambda w: (w, 1.5)).foldByKey(0, add).collect()) == [("a", 4.5), ("b", 3.0), ("c", 1.5)]
    assert sorted(words.map(lambda w: (w, [w])).reduceByKey(add).collect()) == [
        ("a", ["a", "a", "a"]), ("b", ["b", "b"]), ("c", ["c"])]

    def bad(word):
        if word == "c":
            raise KeyError("no c here")
        return word, 1

    with pytest.raises(SparkJobError) as failure:
        words.map(bad).reduceByKey(add).collect()
    assert isinstance(failure.value.__cause__, KeyError) and "no c here" in str(failure.value.__cause__)
    with pytest.raises(SparkJobError, match="unpack|ValueError|TypeError"):
        words.map(lambda w: (w, 1, 2)).reduceByKey(add).collect()
    # ``lambda w: (w, 1)`` is not called at all (the records are counted): same answers, same errors
    assert words.map(lambda w: (w, 1)).reduceByKey(add, 1).collect() == [("a", 3), ("b", 2), ("c", 1)]
    with pytest.raises(SparkJobError, match="unhashable type: 'list'"):
        sc.parallelize([["a"], ["b"]], 1).map(lambda w: (w, 1)).reduceByKey(add).collect()


def test_reduce_by_key_add_over_ones_and_other_values_keeps_types_and_order(sc):
    # Runs of the value 1 are counted in C; every other value, and the order keys first appear in,
    # must come out as the record-at-a-time fold gives them.
    from operator import add

    import numpy as np

    values = [("z", 1), ("x", 1), ("x", 1.0), ("y", True), ("y", 1), ("w", np.int64(1)), ("w", 1),
              ("z", 1), ("v", 2), ("v", 1), ("u", [1]), ("x", 1), ("z", -1)]
    expected: dict = {}
    for k, v in values:
        expected[k] = expected[k] + v if k in expected else v
    got = sc.parallelize(values, 1).map(lambda kv: kv).reduceByKey(add, 1).collect()
    assert got == list(expected.items())
    assert [type(v) for _, v in got] == [type(v) for v in expected.values()]
    with pytest.raises(SparkJobError, match="TypeError|concatenate"):
        sc.parallelize([("a", [1]), ("a", 1)], 1).map(lambda kv: kv).reduceByKey(add).collect()


# -- every task has its own copy of its closure -------------------------------------------------------

def _count_into(acc, x):
    acc[x] += 1
    return acc


def _merge_counts(a, b):
    for key, value in b.items():
        a[key] += value
    return a


def test_aggregate_with_a_mutable_zero_counts_each_record_once(sc):
    from collections import defaultdict
    words = ["a", "b", "a", "c", "a"] * 40
    rdd = sc.parallelize(words, 8)
    counts = rdd.aggregate(defaultdict(int), _count_into, _merge_counts)
    assert dict(counts) == {"a": 120, "b": 40, "c": 40}
    folded = rdd.map(lambda w: {w: 1}).fold({}, lambda a, b: {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()})
    assert folded == {"a": 120, "b": 40, "c": 40}


def test_a_closures_mutable_state_is_not_shared_between_tasks(sc):
    seen = []

    def remember(iterator):
        for x in iterator:
            seen.append(x)
        return [len(seen)]

    assert sc.parallelize(range(64), 16).mapPartitions(remember).collect() == [4] * 16


def test_a_job_pickled_while_another_thread_checkpoints_its_lineage(sc, monkeypatch):
    # The job's lineage was walked before another thread checkpointed one of its RDDs; pickling the
    # task must still succeed, shipping the checkpoint in place of the RDD.
    from sparklite.core.scheduler import taskbinary
    base = sc.parallelize(range(10), 2).map(lambda x: x * 2)
    base.localCheckpoint()
    final = base.map(lambda x: x + 1)
    walked_before = taskbinary.stage_rdd_ids(final)
    assert base.sum() == 90                        # the checkpoint is made now
    monkeypatch.setattr(taskbinary, "stage_rdd_ids", lambda rdd: set(walked_before))
    rebuilt, _ = taskbinary.deserialize(taskbinary.serialize((final, list), final))
    assert type(rebuilt._deps[0].rdd).__name__ == "LocalCheckpointRDD"


def test_jobs_whose_closures_are_large_and_outnumber_the_executors_binary_cache(sc):
    # Large task binaries travel apart from their tasks (by reference on Ray) and are kept per
    # executor in a small cache; jobs from several threads evict one another's binaries.
    from concurrent.futures import ThreadPoolExecutor

    def job(i):
        payload = bytes([i]) * 200_000
        return sc.parallelize(range(8), 4).map(lambda x: x + payload[x]).sum()

    with ThreadPoolExecutor(4) as pool:
        sums = list(pool.map(job, range(24)))
    assert sums == [28 + 8 * i for i in range(24)]
