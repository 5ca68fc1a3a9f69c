"""Broadcast variables, accumulators and TaskContext, as PySpark users see them."""
from __future__ import annotations

import numpy as np
import pytest

from sparklite import Accumulator, AccumulatorParam, Broadcast, SparkJobError, TaskContext


class ListParam(AccumulatorParam):
    """Accumulates lists by concatenation."""

    def zero(self, value):
        return []

    def addInPlace(self, value1, value2):
        value1.extend(value2)
        return value1


class VectorParam(AccumulatorParam):
    """Element-wise sum of fixed-length vectors (PySpark's documented example)."""

    def zero(self, value):
        return [0.0] * len(value)

    def addInPlace(self, value1, value2):
        for i in range(len(value1)):
            value1[i] += value2[i]
        return value1


class NumpyParam(AccumulatorParam):
    def zero(self, value):
        return np.zeros_like(value)

    def addInPlace(self, value1, value2):
        value1 += value2
        return value1


# -- broadcast -----------------------------------------------------------------------------------

def test_broadcast_value_is_visible_in_tasks(sc):
    lookup = sc.broadcast({"a": 1, "b": 2, "c": 3})
    assert isinstance(lookup, Broadcast)
    assert lookup.value == {"a": 1, "b": 2, "c": 3}
    result = sc.parallelize(["a", "b", "c", "a"], 3).map(lambda k: lookup.value[k]).collect()
    assert result == [1, 2, 3, 1]
    # The same broadcast can be used by several jobs and transformations.
    assert sc.parallelize(["c"] * 10, 2).map(lambda k: lookup.value[k]).sum() == 30


def test_broadcast_of_a_large_numpy_array(sc):
    big = np.arange(2_000_000, dtype=np.int64)  # 16 MB
    b = sc.broadcast(big)
    rdd = sc.parallelize(range(0, 2_000_000, 100_000), 4)
    assert rdd.map(lambda i: int(b.value[i])).collect() == list(range(0, 2_000_000, 100_000))
    assert rdd.map(lambda i: int(b.value.sum())).distinct().collect() == [int(big.sum())]
    shapes = rdd.map(lambda _: (b.value.shape, str(b.value.dtype))).distinct().collect()
    assert shapes == [((2_000_000,), "int64")]


def test_broadcast_unpersist_keeps_it_usable(sc):
    b = sc.broadcast([10, 20, 30])
    assert sc.parallelize([0, 1, 2], 3).map(lambda i: b.value[i]).collect() == [10, 20, 30]
    b.unpersist()
    assert sc.parallelize([0, 1, 2], 3).map(lambda i: b.value[i]).collect() == [10, 20, 30]
    assert b.value == [10, 20, 30]


def test_destroyed_broadcast_cannot_be_used(sc):
    b = sc.broadcast([1, 2, 3])
    assert sc.parallelize([0], 1).map(lambda i: b.value[i]).collect() == [1]
    b.destroy()
    with pytest.raises(Exception, match="destroyed"):
        sc.parallelize([0, 1], 2).map(lambda i: b.value[i]).collect()
    with pytest.raises(Exception):
        b.value  # noqa: B018
    # The context is unaffected.
    assert sc.parallelize([1, 2, 3]).sum() == 6


def test_a_broadcast_the_program_dropped_is_released_and_one_still_used_is_kept(sc):
    import gc
    import time
    from sparklite.core import broadcast
    used = sc.broadcast(10)
    scaled = sc.parallelize(range(4), 2).map(lambda x, b=used: x * b.value)
    dropped = sc.broadcast(list(range(1000)))
    assert sc.parallelize(range(3), 2).map(lambda i, b=dropped: b.value[i]).collect() == [0, 1, 2]
    dropped_id, used_id = dropped._bid, used._bid
    del dropped, used
    gc.collect()
    sc._cleaner.wait_idle()
    deadline = time.monotonic() + 10
    while dropped_id in broadcast._values and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dropped_id not in broadcast._values and dropped_id not in sc._broadcasts
    assert used_id in sc._broadcasts              # the cached lineage's function still holds it
    assert scaled.sum() == 60


def test_broadcast_mutation_in_a_task_does_not_leak_to_driver_value_type(sc):
    b = sc.broadcast((1, 2, 3))
    assert sc.parallelize(range(3), 3).map(lambda i: b.value[i] * 2).collect() == [2, 4, 6]
    assert b.value == (1, 2, 3)


# -- accumulators --------------------------------------------------------------------------------

def test_int_accumulator_counts_in_foreach_and_map(sc):
    acc = sc.accumulator(0)
    assert isinstance(acc, Accumulator)
    sc.parallelize(range(1, 101), 4).foreach(lambda x: acc.add(x))
    assert acc.value == 5050
    seen = sc.accumulator(0)

    def tag(x):
        seen.add(1)
        return x

    assert sc.parallelize(range(50), 5).map(tag).count() == 50
    assert seen.value == 50


def test_accumulator_plus_equals_on_the_driver_and_in_tasks(sc):
    acc = sc.accumulator(10)
    acc += 5
    assert acc.value == 15

    def add_two(_):
        a = acc
        a += 2

    sc.parallelize(range(4), 2).foreach(add_two)
    assert acc.value == 23
    acc.value = 0
    assert acc.value == 0


def test_float_accumulator(sc):
    acc = sc.accumulator(0.5)
    sc.parallelize([0.25] * 8, 4).foreach(lambda x: acc.add(x))
    assert acc.value == pytest.approx(2.5)
    assert isinstance(acc.value, float)


def test_accumulator_without_param_for_non_numbers_raises(sc):
    with pytest.raises(TypeError):
        sc.accumulator([1, 2])


def test_custom_accumulator_param_for_lists(sc):
    acc = sc.accumulator([], ListParam())
    sc.parallelize(range(20), 4).foreach(lambda x: acc.add([x]) if x % 3 == 0 else None)
    assert sorted(acc.value) == [0, 3, 6, 9, 12, 15, 18]


def test_custom_accumulator_param_for_vectors(sc):
    acc = sc.accumulator([1.0, 2.0, 3.0], VectorParam())
    sc.parallelize(range(10), 3).foreach(lambda x: acc.add([x, 2 * x, 1.0]))
    assert acc.value == [1.0 + 45, 2.0 + 90, 3.0 + 10]


def test_custom_accumulator_param_for_numpy_vectors(sc):
    acc = sc.accumulator(np.zeros(3), NumpyParam())
    sc.parallelize(range(10), 4).foreach(lambda x: acc.add(np.array([1.0, x, x * x])))
    assert np.allclose(acc.value, [10.0, 45.0, 285.0])


def test_accumulator_updates_from_a_retried_task_count_once(make_sc):
    sc = make_sc("local[2,4]")
    acc = sc.accumulator(0)

    def flaky(it):
        ctx = TaskContext.get()
        items = list(it)
        for x in items:
            acc.add(x)
        if ctx.partitionId() == 1 and ctx.attemptNumber() == 0:
            raise RuntimeError("first attempt fails after adding to the accumulator")
        return [len(items)]

    counts = sc.parallelize(range(100), 4).mapPartitions(flaky).collect()
    assert counts == [25, 25, 25, 25]
    assert acc.value == sum(range(100))


def test_accumulator_updates_from_a_failed_job_are_not_applied(make_sc):
    sc = make_sc("local[2,2]")
    acc = sc.accumulator(0)

    def always_fails_on_partition_0(x):
        acc.add(1)
        if TaskContext.get().partitionId() == 0:
            raise ValueError("boom")
        return x

    with pytest.raises(SparkJobError):
        sc.parallelize(range(10), 2).map(always_fails_on_partition_0).collect()
    # Only the successful partition (5 records) may have contributed.
    assert acc.value in (0, 5)


def test_reading_accumulator_value_inside_a_task_raises(sc):
    acc = sc.accumulator(0)
    with pytest.raises(SparkJobError, match="Accumulator.value cannot be accessed inside tasks") as info:
        sc.parallelize([1, 2], 2).map(lambda x: acc.value + x).collect()
    assert isinstance(info.value.__cause__, RuntimeError)


def test_accumulator_counts_each_action_that_recomputes(sc):
    acc = sc.accumulator(0)
    rdd = sc.parallelize(range(10), 2).map(lambda x: acc.add(1) or x)
    rdd.count()
    rdd.count()
    assert acc.value == 20


# -- TaskContext ---------------------------------------------------------------------------------

def test_task_context_is_none_on_the_driver(sc):
    assert TaskContext.get() is None
    sc.parallelize([1]).count()
    assert TaskContext.get() is None


def test_task_context_inside_tasks(sc):
    def describe(index, it):
        ctx = TaskContext.get()
        yield (index, ctx.partitionId(), ctx.stageId(), ctx.attemptNumber(), ctx.taskAttemptId(), len(list(it)))

    infos = sc.parallelize(range(12), 4).mapPartitionsWithIndex(describe).collect()
    assert [i[0] for i in infos] == [0, 1, 2, 3]
    assert [i[1] for i in infos] == [0, 1, 2, 3]
    assert len({i[2] for i in infos}) == 1          # one stage
    assert [i[3] for i in infos] == [0, 0, 0, 0]     # first attempts
    assert len({i[4] for i in infos}) == 4           # task attempt ids are unique
    assert [i[5] for i in infos] == [3, 3, 3, 3]
    later = sc.parallelize([0], 1).map(lambda _: TaskContext.get().stageId()).collect()[0]
    assert later > infos[0][2]                       # a later job runs a new stage


def test_task_context_stage_ids_differ_across_a_shuffle(sc):
    pairs = sc.parallelize([(i % 3, i) for i in range(30)], 3)
    map_side = pairs.map(lambda kv: (kv[0], TaskContext.get().stageId()))
    result = map_side.groupByKey(2).mapValues(lambda stages: set(stages)).map(
        lambda kv: (TaskContext.get().stageId(), kv[1])).collect()
    reduce_stages = {r[0] for r in result}
    map_stages = set().union(*(r[1] for r in result))
    assert len(reduce_stages) == 1 and len(map_stages) == 1
    assert reduce_stages != map_stages


def test_task_attempt_number_increases_on_retry(make_sc):
    sc = make_sc("local[1,3]")

    def fail_twice(x):
        attempt = TaskContext.get().attemptNumber()
        if attempt < 2:
            raise RuntimeError(f"attempt {attempt} fails")
        return (x, attempt)

    assert sc.parallelize([7], 1).map(fail_twice).collect() == [(7, 2)]


def test_task_context_local_properties(sc):
    sc.setLocalProperty("my.prop", "value-1")
    try:
        got = sc.parallelize([0, 1], 2).map(lambda _: TaskContext.get().getLocalProperty("my.prop")).collect()
        assert got == ["value-1", "value-1"]
        assert sc.getLocalProperty("my.prop") == "value-1"
        sc.setLocalProperty("my.prop", "value-2")
        got = sc.parallelize([0], 1).map(lambda _: TaskContext.get().getLocalProperty("my.prop")).collect()
        assert got == ["value-2"]
        missing = sc.parallelize([0], 1).map(lambda _: TaskContext.get().getLocalProperty("nope")).collect()
        assert missing == [None]
    finally:
        sc.setLocalProperty("my.prop", None)
    assert sc.getLocalProperty("my.prop") is None
    got = sc.parallelize([0], 1).map(lambda _: TaskContext.get().getLocalProperty("my.prop")).collect()
    assert got == [None]


def test_job_group_is_visible_as_a_local_property_in_tasks(sc):
    sc.setJobGroup("group-in-task", "a description")
    try:
        got = sc.parallelize([0], 1).map(
            lambda _: (TaskContext.get().getLocalProperty("spark.jobGroup.id"),
                       TaskContext.get().getLocalProperty("spark.job.description"))).collect()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
        sc.setLocalProperty("spark.job.interruptOnCancel", None)
    assert got == [("group-in-task", "a description")]


def test_accumulator_in_a_map_stage_is_not_recounted_when_the_stage_is_reused(sc):
    acc = sc.accumulator(0)
    summed = sc.parallelize([(i % 4, 1) for i in range(40)], 4).map(lambda kv: acc.add(1) or kv) \
        .reduceByKey(lambda a, b: a + b, 2)
    assert sorted(summed.collect()) == [(0, 10), (1, 10), (2, 10), (3, 10)]
    assert acc.value == 40
    # A second action reuses the shuffle output: the map stage is skipped, nothing is added again.
    assert summed.count() == 4
    assert acc.value == 40


def test_task_context_is_visible_from_threads_a_task_starts(sc):
    # In PySpark the worker's TaskContext is process-wide, so helper threads of a task see it.
    import threading

    def in_thread(index, it):
        seen = []
        worker = threading.Thread(target=lambda: seen.append(TaskContext.get()))
        worker.start()
        worker.join()
        ctx = seen[0]
        return [None if ctx is None else ctx.partitionId()]

    assert sc.parallelize(range(4), 2).mapPartitionsWithIndex(in_thread).collect() == [0, 1]


def test_accumulator_adds_from_threads_a_task_starts_are_counted(sc):
    import threading
    acc = sc.accumulator(0)

    def add_in_threads(it):
        items = list(it)
        threads = [threading.Thread(target=acc.add, args=(x,)) for x in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [len(items)]

    assert sc.parallelize(range(10), 2).mapPartitions(add_in_threads).collect() == [5, 5]
    assert acc.value == 45


def _shared_pool():
    # One pool per process, outliving tasks (as a module-level pool in user code would).
    import concurrent.futures
    import sys
    return sys.__dict__.setdefault("_sparklite_test_pool", concurrent.futures.ThreadPoolExecutor(1))


def test_work_submitted_to_a_long_lived_pool_runs_under_the_submitting_task(sc):
    def in_pool(index, it):
        seen = _shared_pool().submit(lambda: TaskContext.get() and TaskContext.get().partitionId()).result()
        return [(index, seen)]

    assert sc.parallelize(range(8), 4).mapPartitionsWithIndex(in_pool).collect() == [(i, i) for i in range(4)]
    acc = sc.accumulator(0)

    def add_in_pool(it):
        _shared_pool().submit(acc.add, sum(1 for _ in it)).result()
        return []

    sc.parallelize(range(100), 4).mapPartitions(add_in_pool).count()
    assert acc.value == 100
    # the pool's thread, first started by a task, runs driver code as driver code once tasks are done
    assert _shared_pool().submit(TaskContext.get).result() is None
    _shared_pool().submit(acc.add, 5).result()
    assert acc.value == 105


def test_tasks_of_a_cancelled_job_do_not_update_accumulators(make_sc, tmp_path):
    import os
    import threading
    import time
    from sparklite import JobCancelledError
    sc = make_sc("local[2]")
    acc = sc.accumulator(0)
    started, release = str(tmp_path / "started"), str(tmp_path / "release")

    def slow(x):
        acc.add(1)
        open(started, "a").close()
        deadline = time.time() + 20
        while not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.01)
        return x

    box = {}

    def run():
        sc.setJobGroup("cancelled-with-accumulator", "slow")
        try:
            box["result"] = sc.parallelize(range(4), 4).map(slow).collect()
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 10
        while not os.path.exists(started):
            assert time.time() < deadline
            time.sleep(0.01)
        sc.cancelJobGroup("cancelled-with-accumulator")
        thread.join(10)
        assert isinstance(box.get("error"), JobCancelledError)
    finally:
        open(release, "w").close()
        thread.join(10)
    # The next job needs the slots the cancelled tasks held, so their completions are processed first.
    assert sc.parallelize(range(4), 2).sum() == 6
    assert acc.value == 0
