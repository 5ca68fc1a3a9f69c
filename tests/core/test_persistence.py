"""cache/persist, storage levels, checkpoints, the round trip of cached data of many Python types, and
caches and shuffles larger than the executor's memory budget."""
from __future__ import annotations

import collections
import decimal
import math
import os

import numpy as np
import pytest

from sparklite import SparkJobError, StorageLevel

ALL_LEVELS = ["MEMORY_ONLY", "MEMORY_ONLY_2", "MEMORY_AND_DISK", "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_DESER",
              "DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "OFF_HEAP"]

Point = collections.namedtuple("Point", "x y")


class Custom:
    def __init__(self, name, values):
        self.name, self.values = name, values

    def __eq__(self, other):
        return type(other) is Custom and (self.name, self.values) == (other.name, other.values)

    def __repr__(self):
        return f"Custom({self.name!r}, {self.values!r})"


def _same(a, b) -> bool:
    """Equal values of identical types, recursively; NaN equals NaN; numpy arrays by dtype and content."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _counting(sc, data, slices=4):
    """An RDD over ``data`` and an accumulator counting how many records were computed."""
    computed = sc.accumulator(0)

    def count(x):
        computed.add(1)
        return x

    return sc.parallelize(data, slices).map(count), computed


# -- cache / persist ------------------------------------------------------------------------------

@pytest.mark.parametrize("level_name", ALL_LEVELS)
def test_persist_with_each_storage_level(sc, level_name):
    level = getattr(StorageLevel, level_name)
    data = [(i, f"value-{i}", i * 0.5) for i in range(1000)]
    rdd, computed = _counting(sc, data)
    assert rdd.persist(level) is rdd
    assert rdd.is_cached
    assert rdd.getStorageLevel() == level
    assert rdd.collect() == data
    assert computed.value == 1000
    assert rdd.collect() == data          # served from the cache
    assert rdd.count() == 1000
    assert rdd.map(lambda t: t[0]).sum() == sum(range(1000))
    assert computed.value == 1000
    assert rdd.unpersist() is rdd
    assert not rdd.is_cached
    assert rdd.getStorageLevel() == StorageLevel.NONE
    assert rdd.collect() == data          # recomputed after unpersist
    assert computed.value == 2000


def test_cache_is_memory_only_and_avoids_recomputation(sc):
    rdd, computed = _counting(sc, range(100))
    assert not rdd.is_cached
    assert rdd.getStorageLevel() == StorageLevel.NONE
    assert rdd.cache() is rdd
    assert rdd.getStorageLevel() == StorageLevel.MEMORY_ONLY
    assert rdd.count() == 100
    assert computed.value == 100
    assert rdd.count() == 100
    assert rdd.sum() == 4950
    assert rdd.map(lambda x: x + 1).filter(lambda x: x % 2).count() == 50
    assert computed.value == 100
    rdd.unpersist()
    assert rdd.count() == 100
    assert computed.value == 200


def test_storage_level_strings_and_default_persist_level(sc):
    assert str(StorageLevel.MEMORY_ONLY) == "Memory Serialized 1x Replicated"
    assert str(StorageLevel.MEMORY_AND_DISK_2) == "Disk Memory Serialized 2x Replicated"
    assert str(StorageLevel.DISK_ONLY_3) == "Disk Serialized 3x Replicated"
    assert str(StorageLevel.MEMORY_AND_DISK_DESER) == "Disk Memory Deserialized 1x Replicated"
    assert sc.parallelize([1]).persist().getStorageLevel() == StorageLevel.MEMORY_ONLY


def test_changing_the_storage_level_of_a_persisted_rdd_raises(sc):
    rdd = sc.parallelize(range(5)).map(lambda x: x)
    rdd.persist(StorageLevel.MEMORY_ONLY)
    rdd.persist(StorageLevel.MEMORY_ONLY)   # the same level again is fine
    with pytest.raises(Exception, match="storage level"):
        rdd.persist(StorageLevel.DISK_ONLY)
    rdd.unpersist()
    rdd.persist(StorageLevel.DISK_ONLY)     # allowed once unpersisted
    assert rdd.collect() == [0, 1, 2, 3, 4]
    rdd.unpersist()


def test_partially_computed_cache_is_completed_by_a_later_action(sc):
    rdd, computed = _counting(sc, range(40), slices=4)
    rdd.cache()
    assert rdd.take(3) == [0, 1, 2]          # computes (and caches) only the first partition
    first = computed.value
    assert first == 10
    assert rdd.collect() == list(range(40))
    assert computed.value == 40
    assert rdd.collect() == list(range(40))
    assert computed.value == 40
    rdd.unpersist()


def test_cached_parent_is_not_recomputed_by_children_and_shuffles(sc):
    parent, computed = _counting(sc, [(i % 5, i) for i in range(100)])
    parent.cache()
    assert parent.count() == 100
    sums = parent.reduceByKey(lambda a, b: a + b).collectAsMap()
    assert sums == {k: sum(i for i in range(100) if i % 5 == k) for k in range(5)}
    assert parent.values().max() == 99
    assert computed.value == 100
    parent.unpersist()


# -- checkpoints ----------------------------------------------------------------------------------

def test_checkpoint_requires_a_checkpoint_directory(make_sc):
    sc = make_sc("local[2]")
    assert sc.getCheckpointDir() is None
    with pytest.raises(Exception, match="(?i)checkpoint directory"):
        sc.parallelize([1, 2]).checkpoint()


def test_checkpoint_materializes_after_an_action_and_cuts_the_lineage(make_sc, tmp_path):
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path / "ckpt"))
    assert sc.getCheckpointDir() is not None
    rdd = sc.parallelize(range(20), 4).map(lambda x: x * 3).filter(lambda x: x % 2 == 0)
    expected = [x * 3 for x in range(20) if x * 3 % 2 == 0]
    before = rdd.toDebugString().decode()
    assert "ParallelCollectionRDD" in before
    rdd.checkpoint()
    assert not rdd.isCheckpointed()
    assert rdd.getCheckpointFile() is None
    assert rdd.count() == len(expected)
    assert rdd.isCheckpointed()
    path = rdd.getCheckpointFile()
    assert path is not None
    local = path[len("file:"):] if path.startswith("file:") else path
    assert os.path.realpath(local).startswith(os.path.realpath(str(tmp_path / "ckpt")) + os.sep)
    assert os.path.isdir(local) and os.listdir(local)
    assert rdd.collect() == expected
    after = rdd.toDebugString().decode()
    assert "ParallelCollectionRDD" not in after
    assert "Checkpoint" in after
    # Children of the checkpointed RDD read the checkpoint.
    assert rdd.map(lambda x: x + 1).collect() == [x + 1 for x in expected]
    assert not rdd.isLocallyCheckpointed()


def test_checkpointed_rdd_is_not_recomputed(make_sc, tmp_path):
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path))
    rdd, computed = _counting(sc, range(50))
    rdd.cache()
    rdd.checkpoint()
    assert rdd.sum() == 1225
    done = computed.value
    rdd.unpersist()
    assert rdd.sum() == 1225
    assert rdd.count() == 50
    assert computed.value == done   # served from the checkpoint files, not recomputed


@pytest.mark.parametrize("kind", ["reliable", "local"])
def test_tasks_after_a_checkpoint_do_not_ship_the_lineage_it_cut(make_sc, tmp_path, monkeypatch, kind):
    # An iterative job that checkpoints every few steps: what a task carries must stop growing.
    from sparklite.core.scheduler import taskbinary
    shipped = []
    serialize = taskbinary.serialize
    monkeypatch.setattr(taskbinary, "serialize", lambda obj, rdd: shipped.append(len(serialize(obj, rdd))) or
                        serialize(obj, rdd))
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path))
    ballast = b"x" * 200_000     # captured by every step's function, so each step's closure is large
    rdd = sc.parallelize(range(20), 2)
    for step in range(1, 31):
        rdd = rdd.map(lambda x, b=ballast: x + 1 + len(b) * 0)
        if step % 10 == 0:
            rdd.checkpoint() if kind == "reliable" else rdd.localCheckpoint()
            assert rdd.count() == 20
    shipped.clear()
    assert rdd.map(lambda x: x * 2).sum() == 2 * (sum(range(20)) + 30 * 20)
    assert shipped and max(shipped) < 50_000, shipped


def test_checkpoint_of_a_shuffled_rdd(make_sc, tmp_path):
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path))
    grouped = sc.parallelize(range(30), 3).map(lambda x: (x % 4, x)).groupByKey().mapValues(sorted)
    grouped.checkpoint()
    expected = {k: [x for x in range(30) if x % 4 == k] for k in range(4)}
    assert dict(grouped.collect()) == expected
    assert grouped.isCheckpointed()
    assert dict(grouped.collect()) == expected
    assert "ShuffledRDD" not in grouped.toDebugString().decode()


def test_checkpoint_round_trips_many_types(make_sc, tmp_path):
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path))
    data = [1, "two", 3.0, None, (4, "four"), b"five", {"six": 6}, Custom("seven", [7]), np.arange(3)]
    rdd = sc.parallelize(data, 3).map(lambda x: x)
    rdd.checkpoint()
    rdd.count()
    assert rdd.isCheckpointed()
    out = rdd.collect()
    assert all(_same(a, b) for a, b in zip(data, out)) and len(out) == len(data)


def test_local_checkpoint(make_sc):
    sc = make_sc("local[2]")
    rdd, computed = _counting(sc, range(30), slices=3)
    rdd.localCheckpoint()
    assert rdd.count() == 30
    assert rdd.isCheckpointed()
    assert rdd.isLocallyCheckpointed()
    assert rdd.getCheckpointFile() is None
    assert rdd.is_cached   # local checkpoints live in the block store
    assert rdd.collect() == list(range(30))
    assert computed.value == 30
    assert "ParallelCollectionRDD" not in rdd.toDebugString().decode()


def test_local_checkpoint_is_reported_as_soon_as_it_is_marked(make_sc):
    # PySpark: isLocallyCheckpointed() "Return whether this RDD is marked for local checkpointing".
    sc = make_sc("local[2]")
    rdd = sc.parallelize(range(10)).map(lambda x: x)
    rdd.localCheckpoint()
    assert rdd.isLocallyCheckpointed()
    assert not rdd.isCheckpointed()


def test_local_checkpoint_of_a_memory_only_rdd_survives_eviction(make_sc):
    # Spark moves a locally checkpointed RDD's level to one that uses disk, so eviction cannot lose it.
    sc = make_sc("local[1]", spark_executor_memory="4m")
    small = sc.parallelize(range(8), 8).map(lambda i: bytes([i]) * 150_000).cache()
    small.localCheckpoint()
    assert small.map(len).sum() == 8 * 150_000
    big = sc.parallelize(range(16), 16).map(lambda i: bytes([i]) * 400_000).cache()
    assert big.map(len).sum() == 16 * 400_000      # evicts small's memory blocks
    assert small.map(lambda b: b[0]).collect() == list(range(8))


# -- cached data of many types round-trips ---------------------------------------------------------

DATASETS = {
    "ints": [0, 1, -1, 2 ** 62, -(2 ** 63), 2 ** 63 - 1, 42],
    "floats": [0.0, -0.0, 1.5, -2.25, float("inf"), float("-inf"), float("nan"), 1e308],
    "ints_with_none": [1, None, 3, None, -5],
    "floats_with_none": [1.5, None, float("nan"), -0.0],
    "mixed_int_float_none": [1, 2.0, None, 3, 4.5],
    "only_none": [None, None, None],
    "strings": ["", "a", "héllo", "日本語", "😀", "x" * 10_000, "a\x00b", "line\nbreak"],
    "strings_with_none": ["a", None, ""],
    "bytes": [b"", b"\x00\xff", b"abc" * 1000],
    "bytes_with_none": [b"x", None],
    "bools": [True, False, True],
    "bools_with_none": [True, None, False],
    "bools_and_ints": [True, 1, False, 0],
    "tuples": [(1, "a"), (2, "b"), (3, "c")],
    "tuples_with_none_fields": [(1, None), (None, "b"), (3, "c")],
    "width_one_tuples": [(1,), (2,)],
    "empty_tuples": [(), ()],
    "nested_tuples": [((1, "a"), (2.0, (b"x", True))), ((3, "b"), (4.0, (b"y", False)))],
    "ragged_tuples": [(1, 2), (1, 2, 3), (4,)],
    "tuple_or_none": [(1, 2), None, (3, 4)],
    "namedtuples": [Point(1, 2), Point(3, 4)],
    "tuple_and_namedtuple": [(1, 2), Point(3, 4)],
    "numpy_float_vectors": [np.array([1.0, 2.0, np.nan]), np.array([4.0, 5.0, 6.0])],
    "numpy_int32_vectors": [np.arange(4, dtype=np.int32), np.arange(4, 8, dtype=np.int32)],
    "numpy_bool_vectors": [np.array([True, False]), np.array([False, False])],
    "numpy_ragged_vectors": [np.arange(2), np.arange(5)],
    "numpy_matrices": [np.eye(2), np.ones((2, 3))],
    "numpy_blocks_of_one_shape": [np.arange(6.0).reshape(2, 3), -np.ones((2, 3))],
    "numpy_int_cubes": [np.arange(24, dtype=np.int16).reshape(2, 3, 4)] * 3,
    "numpy_empty_rows": [np.zeros((0, 3)), np.zeros((0, 3))],
    "numpy_empty_vectors": [np.array([], dtype=np.float64), np.array([], dtype=np.float64)],
    "keyed_numpy_vectors": [(1, np.array([0.5, 1.5])), (2, np.array([2.5, 3.5]))],
    "numpy_scalars": [np.int64(1), np.float32(2.5), np.bool_(True)],
    "dicts": [{"a": 1}, {}, {"nested": {"b": [1, 2]}}],
    "lists": [[1, 2], [], ["a", [None]]],
    "int_lists": [[1, 2], [], [3, None, -4]],
    "string_lists": [["a", "b"], ["日本語"], []],
    "empty_lists": [[], []],
    "nested_int_lists": [[[1], [2, 3]], [[]], []],
    "lists_of_tuples": [[(1, "a"), (2, None)], [(3, "c")]],
    "list_or_none": [[1], None, [2]],
    "keyed_string_lists": [("n1", ["n2", "n3"]), ("n2", []), ("n3", ["n1"])],
    "sets": [{1, 2}, frozenset({"a"})],
    "custom_objects": [Custom("a", [1, 2]), Custom("b", {"k": None})],
    "big_ints": [2 ** 64, -(2 ** 70), 1],
    "decimals_and_complex": [decimal.Decimal("1.10"), complex(1, -1)],
    "everything_mixed": [1, "a", None, 2.5, (1, 2), [3], {"k": 4}, b"z", True, Custom("c", 0)],
    "empty": [],
}


@pytest.mark.parametrize("level", [StorageLevel.MEMORY_ONLY, StorageLevel.DISK_ONLY], ids=["memory", "disk"])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_cached_data_round_trips(sc, name, level):
    data = DATASETS[name]
    rdd = sc.parallelize(data, 2).map(lambda x: x).persist(level)
    try:
        first = rdd.collect()
        second = rdd.collect()
        assert len(first) == len(second) == len(data)
        assert all(_same(a, b) for a, b in zip(data, first)), (data, first)
        assert all(_same(a, b) for a, b in zip(data, second)), (data, second)
    finally:
        rdd.unpersist()


@pytest.mark.parametrize("level", [StorageLevel.MEMORY_ONLY, StorageLevel.DISK_ONLY], ids=["memory", "disk"])
def test_cached_big_ints_mixed_with_none_round_trip(sc, level):
    data = [2 ** 64, None, 1, -(2 ** 80)]
    rdd = sc.parallelize(data, 1).map(lambda x: x).persist(level)
    try:
        assert rdd.collect() == data
        assert rdd.collect() == data
    finally:
        rdd.unpersist()


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shuffled_values_of_many_types_round_trip(sc, name):
    data = DATASETS[name]
    out = sc.parallelize(list(enumerate(data)), 3).partitionBy(2).collect()
    out.sort(key=lambda kv: kv[0])
    assert [kv[0] for kv in out] == list(range(len(data)))
    assert all(_same(a, kv[1]) for a, kv in zip(data, out)), (data, out)


def test_shuffle_of_big_int_values_mixed_with_none(sc):
    pairs = [(1, 2 ** 64), (2, None), (1, 5), (2, -(2 ** 70))]
    out = sc.parallelize(pairs, 1).partitionBy(2).collect()
    assert sorted(out, key=repr) == sorted(pairs, key=repr)


# -- caches and shuffles larger than memory --------------------------------------------------------

def _blobs(sc, computed=None):
    """~20 MB in 40 records of 500 kB, 20 partitions."""
    def make(i):
        if computed is not None:
            computed.add(1)
        return (i, bytes([i]) * 500_000)
    return sc.parallelize(range(40), 20).map(make)


def _summary(rdd):
    return rdd.map(lambda kv: (kv[0], len(kv[1]), kv[1][0], kv[1][-1])).collect()


EXPECTED_SUMMARY = [(i, 500_000, i, i) for i in range(40)]


def test_memory_only_cache_larger_than_memory_recomputes_evicted_partitions(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    computed = sc.accumulator(0)
    rdd = _blobs(sc, computed).persist(StorageLevel.MEMORY_ONLY)
    for _ in range(3):
        assert _summary(rdd) == EXPECTED_SUMMARY
    assert rdd.count() == 40
    # Not everything fits, so some partitions were computed again; results stayed right.
    assert computed.value > 40
    rdd.unpersist()


@pytest.mark.parametrize("level", [StorageLevel.MEMORY_AND_DISK, StorageLevel.DISK_ONLY],
                         ids=["memory_and_disk", "disk_only"])
def test_disk_backed_cache_larger_than_memory_is_computed_once(make_sc, level):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    computed = sc.accumulator(0)
    rdd = _blobs(sc, computed).persist(level)
    for _ in range(3):
        assert _summary(rdd) == EXPECTED_SUMMARY
    assert rdd.count() == 40
    assert computed.value == 40
    rdd.unpersist()


def test_caching_a_second_large_rdd_keeps_the_first_correct(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    first = _blobs(sc).cache()
    assert _summary(first) == EXPECTED_SUMMARY
    second = sc.parallelize(range(40), 20).map(lambda i: (i, bytes([255 - i]) * 500_000)).cache()
    assert second.map(lambda kv: kv[1][0]).collect() == [255 - i for i in range(40)]
    assert _summary(first) == EXPECTED_SUMMARY


N_BIG = 300_000


def test_group_by_key_much_larger_than_memory(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    pairs = sc.parallelize(range(N_BIG), 4).map(lambda i: (i % 1000, "v%07d" % i + "x" * 40))
    grouped = pairs.groupByKey().mapValues(lambda vs: (len(vs), min(vs), max(vs))).collectAsMap()
    assert len(grouped) == 1000
    for k in (0, 1, 999):
        assert grouped[k] == (N_BIG // 1000, "v%07d" % k + "x" * 40, "v%07d" % (N_BIG - 1000 + k) + "x" * 40)
    assert all(v[0] == N_BIG // 1000 for v in grouped.values())


def test_aggregate_by_key_counts_much_larger_than_memory(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    # Keys come in pairs, so map-side combiners hold counts > 1 when the combine buffer spills.
    counts = sc.parallelize(range(200_000), 2).map(lambda i: ((i // 2) % 20_000, i)) \
        .aggregateByKey(0, lambda acc, _: acc + 1, lambda a, b: a + b).collectAsMap()
    assert len(counts) == 20_000
    assert set(counts.values()) == {10}


def test_reduce_by_key_much_larger_than_memory(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    sums = sc.parallelize(range(N_BIG), 4).map(lambda i: (i % 50_000, 1)).reduceByKey(lambda a, b: a + b)
    result = sums.collectAsMap()
    assert len(result) == 50_000
    assert set(result.values()) == {N_BIG // 50_000}


def test_sort_by_key_much_larger_than_memory(make_sc):
    sc = make_sc("local[1]", spark_executor_memory="4m")
    pairs = sc.parallelize(range(N_BIG), 4).map(lambda i: ((i * 7919) % N_BIG, "y" * 50))
    ordered = pairs.sortByKey()
    keys = ordered.keys().collect()
    assert keys == list(range(N_BIG))
    top = pairs.sortByKey(ascending=False).keys().take(3)
    assert top == [N_BIG - 1, N_BIG - 2, N_BIG - 3]


def test_failed_task_does_not_leave_a_partial_cache(make_sc):
    sc = make_sc("local[1,2]")
    from sparklite import TaskContext

    def flaky(it):
        for n, x in enumerate(it):
            if n == 5 and TaskContext.get().attemptNumber() == 0:
                raise RuntimeError("fail half way through the first attempt")
            yield x

    rdd = sc.parallelize(range(20), 2).mapPartitions(flaky).cache()
    assert rdd.collect() == list(range(20))
    assert rdd.collect() == list(range(20))
    with pytest.raises(SparkJobError):
        sc.parallelize([1], 1).map(lambda x: 1 / 0).cache().collect()


def _kinds_of_blocks(sc) -> set:
    return {(b["kind"], b["id"]) for b in sc.getBlockStatus()}


def _eventually(condition, seconds: float = 10.0) -> bool:
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_blocks_of_rdds_and_shuffles_the_program_dropped_are_removed(sc):
    # Spark's ContextCleaner: an iterative program that caches every step's result must not keep them all.
    import gc
    from operator import add
    before = _kinds_of_blocks(sc)    # blocks of earlier tests may be cleaned meanwhile: compare differences
    kept = sc.parallelize(range(100), 4).map(lambda x: (x % 5, x)).reduceByKey(add).cache()
    kept.count()
    kept_blocks = _kinds_of_blocks(sc) - before
    before = _kinds_of_blocks(sc)
    dropped = sc.parallelize(range(100), 4).map(lambda x: (x % 7, x)).reduceByKey(add).cache()
    dropped.count()
    dropped_id, made = dropped.id(), _kinds_of_blocks(sc) - before
    assert ("rdd", dropped_id) in made and any(kind == "shuffle" for kind, _ in made)
    del dropped
    gc.collect()
    assert _eventually(lambda: not made & _kinds_of_blocks(sc)), made & _kinds_of_blocks(sc)
    assert ("rdd", kept.id()) in kept_blocks and kept_blocks <= _kinds_of_blocks(sc)
    assert dict(kept.collect()) == {k: sum(range(k, 100, 5)) for k in range(5)}
    assert [info["id"] for info in sc.getRDDStorageInfo()] == [kept.id()]


def test_an_iterative_job_that_checkpoints_keeps_only_its_latest_step(make_sc, tmp_path):
    # Spark drops a checkpointed RDD's dependencies, so earlier steps' shuffles and caches become garbage.
    import gc
    from operator import add
    sc = make_sc("local[2]")
    sc.setCheckpointDir(str(tmp_path))
    step = sc.parallelize([(i % 10, 1) for i in range(200)], 4)
    for _ in range(6):
        step = step.map(lambda kv: (kv[0], kv[1] + 1)).reduceByKey(add, 4).cache()
        step.checkpoint()
        step.count()
        gc.collect()
    assert _eventually(lambda: len({owner for kind, owner in _kinds_of_blocks(sc) if kind == "shuffle"}) <= 1)
    assert _eventually(lambda: {owner for kind, owner in _kinds_of_blocks(sc) if kind == "rdd"} <= {step.id()})
    # step 1 sums twenty 2s per key; each later step adds 1 to the one record left per key
    assert dict(step.collect()) == {k: 40 + 5 for k in range(10)}
