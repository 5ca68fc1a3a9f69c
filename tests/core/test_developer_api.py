"""The developer API (sparklite.core.api, docs/developer-api.md) as the layers above use it: jobs
with properties, map stages with their statistics, the columnar RDD kind and its partitioner, the
preferred-location hook, typed task metrics and the listener bus's events."""
from __future__ import annotations

import time
from collections import Counter

import pyarrow as pa
import pytest

from sparklite import JobCancelledError, StorageLevel
from sparklite.core import api


class Events(api.SparkListener):
    def __init__(self):
        self.seen = []

    def _keep(self, event):
        self.seen.append(event)

    onJobStart = onJobEnd = onStageSubmitted = onStageCompleted = onTaskEnd = onBlockUpdated = _keep
    onEnvironmentUpdate = onSQLExecutionStart = onSQLExecutionEnd = onExecutorDecommissioned = _keep

    def of(self, kind):
        return [e for e in self.seen if isinstance(e, kind)]


@pytest.fixture
def events(sc):
    listener = Events()
    sc.addSparkListener(listener)
    yield listener
    sc.removeSparkListener(listener)


def test_run_job_with_properties_for_that_job_only(sc, events):
    rdd = sc.parallelize(range(10), 3)
    sc.setJobGroup("nightly", "the thread's group")
    try:
        assert api.run_job(sc, rdd, sum, [0, 2], {"spark.sql.execution.id": "7",
                                                  "spark.job.description": "scan of t"}) == [3, 30]
        assert api.run_job(sc, rdd, lambda it: len(list(it))) == [3, 3, 4]
    finally:
        sc.setJobGroup(None, None)
    api.wait_for_listeners(sc)
    first, second = events.of(api.JobStart)[-2:]
    assert (first.job_group, first.description, first.sql_execution_id) == ("nightly", "scan of t", "7")
    assert (second.job_group, second.description, second.sql_execution_id) == ("nightly", "the thread's group", None)


def test_a_wait_that_times_out_raises_and_the_job_can_still_be_cancelled(sc):
    def slow(it):
        # short sleeps: a cancelled task stops at the next one. One long time.sleep would sit in C code
        # until the reaper killed its executor, with the blocks of whatever test runs then.
        for _ in range(3000):
            time.sleep(0.01)
        return list(it)

    waiter = api.submit_job(sc, sc.parallelize(range(2), 2), slow)
    with pytest.raises(TimeoutError, match=f"job {waiter.job_id}"):
        waiter.result(timeout=0.2)
    assert not waiter.done
    waiter.cancel("no longer needed")
    with pytest.raises(JobCancelledError, match="no longer needed"):
        waiter.result(timeout=60)
    assert sc.parallelize(range(4), 2).sum() == 6     # slots are free again


def test_a_map_stage_alone_reports_bytes_and_rows_per_reducer_and_is_not_run_again(sc, events):
    words = sc.parallelize(["a", "b", "a", "c", "a", "b"] * 50, 3).map(lambda w: (w, 1))
    counted = words.reduceByKey(lambda a, b: a + b, 4)
    statistics = api.submit_map_stage(sc, counted, {"spark.job.description": "plan"}).result(timeout=60)
    partitioner = counted.partitioner
    expected_rows = [0] * 4
    # after the map-side combine each map task writes one record per distinct word it saw
    per_map = [Counter(w for w, _ in part) for part in words.glom().collect()]
    for seen in per_map:
        for word in seen:
            expected_rows[partitioner(word)] += 1
    assert statistics.rows_by_partition == expected_rows
    assert len(statistics.bytes_by_partition) == 4
    assert [b > 0 for b in statistics.bytes_by_partition] == [r > 0 for r in expected_rows]

    api.wait_for_listeners(sc)
    before = len(events.seen)
    assert sorted(counted.collect()) == [("a", 150), ("b", 100), ("c", 50)]
    api.wait_for_listeners(sc)
    later = events.seen[before:]
    ran = {e.stage_id for e in later if isinstance(e, api.TaskEnd)}
    skipped = [e for e in later if isinstance(e, api.StageCompleted) and e.skipped]
    assert len(skipped) == 1 and skipped[0].stage_id not in ran      # the map stage was skipped
    assert len(ran) == 1                                            # only the result stage ran


def test_columnar_shuffle_partitioner_is_comparable_and_co_partitioned_inputs_skip_the_exchange(sc):
    left = api.ColumnarRDD.from_table(sc, pa.table({"k": list(range(40)) * 2, "v": list(range(80))}), 3)
    right = api.ColumnarRDD.from_table(sc, pa.table({"k": list(range(0, 40, 2)), "w": [str(k) for k in range(0, 40, 2)]}), 2)
    by_key = left.shuffle(["k"], 4)
    assert by_key.partitioner == api.ColumnPartitioner(["k"], 4) == right.shuffle("k", 4).partitioner
    assert by_key.partitioner != api.ColumnPartitioner(["v"], 4)
    assert by_key.partitioner != api.ColumnPartitioner(["k"], 5)
    assert by_key.shuffle(["k"], 4) is by_key                       # already partitioned so: no exchange
    assert by_key.shuffle(["k"], 3) is not by_key

    def join(lefts, rights):
        table = pa.Table.from_batches(list(rights))
        names = dict(zip(table.column("k").to_pylist(), table.column("w").to_pylist()))
        for batch in lefts:
            keys = batch.column("k").to_pylist()
            keep = [i for i, k in enumerate(keys) if k in names]
            yield pa.record_batch({"k": [keys[i] for i in keep], "w": [names[keys[i]] for i in keep]})

    joined = by_key.zip_partitions([right.shuffle(["k"], 4)], join)
    assert joined.partitioner == by_key.partitioner
    rows = sorted(joined.to_table().to_pylist(), key=lambda r: r["k"])
    assert rows == sorted([{"k": k, "w": str(k)} for k in range(0, 40, 2)] * 2, key=lambda r: r["k"])


def test_map_batches_keeps_the_partitioner_only_when_told(sc):
    rdd = api.ColumnarRDD.from_table(sc, pa.table({"k": [1, 2, 3, 4]}), 2).shuffle(["k"], 2)
    kept = rdd.map_batches(lambda b: b.filter(pa.compute.greater(b.column("k"), 1)), preservesPartitioning=True)
    assert kept.partitioner == rdd.partitioner
    assert rdd.map_batches(lambda b: b).partitioner is None
    assert sorted(kept.to_table().column("k").to_pylist()) == [2, 3, 4]


class PinnedRDD(api.RDD):
    """An RDD kind whose partitions prefer one executor each (how a state store pins state)."""

    def __init__(self, parent, where):
        super().__init__(parent.ctx, [api.OneToOneDependency(parent)])
        self.where = where

    def getNumPartitions(self):
        return self.dependencies[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self.dependencies[0].rdd.iterator(split, context)

    def preferred_locations(self, split):
        return [self.where[split]]


def test_preferred_locations_place_tasks_on_the_named_executors(make_sc):
    sc = make_sc("local-cluster[2,1,512]")
    executors = sorted(sc.getExecutorIds())
    where = [executors[p % 2] for p in range(6)]
    pinned = PinnedRDD(sc.parallelize(range(60), 6), where)
    listener = Events()
    sc.addSparkListener(listener)
    for _ in range(2):
        assert pinned.map(lambda x: x + 1).sum() == sum(range(1, 61))
    api.wait_for_listeners(sc)
    placed = {(e.partition, e.executor_id) for e in listener.of(api.TaskEnd)}
    assert placed == {(p, where[p]) for p in range(6)}


def test_a_task_knows_the_executor_it_runs_on(make_sc):
    sc = make_sc("local-cluster[2,1,512]")
    listener = Events()
    sc.addSparkListener(listener)
    reported = sc.parallelize(range(8), 4).mapPartitionsWithIndex(
        lambda split, _: [(split, api.task_executor_id())]).collect()
    api.wait_for_listeners(sc)
    ran = {(e.partition, e.executor_id) for e in listener.of(api.TaskEnd)}
    assert set(reported) == ran and {e for _, e in reported} <= set(sc.getExecutorIds())
    assert api.task_executor_id() is None


def test_task_metrics_are_typed_and_add_up(sc, events):
    pairs = sc.parallelize([(i % 7, i) for i in range(700)], 4)
    assert pairs.partitionBy(3).count() == 700
    api.wait_for_listeners(sc)
    ends = [e for e in events.of(api.TaskEnd) if e.reason == "success"][-7:]
    assert all(isinstance(e.metrics, api.TaskMetrics) for e in ends)
    assert sum(e.metrics.shuffle_write_records for e in ends) == 700
    assert sum(e.metrics.shuffle_read_records for e in ends) == 700
    with pytest.raises(AttributeError):
        api.TaskMetrics().add("no_such_metric", 1)


def test_storage_status_follows_block_updated_events(sc, events):
    rdd = sc.parallelize(range(1000), 4).persist(StorageLevel.MEMORY_ONLY)
    rdd.count()
    api.wait_for_listeners(sc)
    stored = [e for e in events.of(api.BlockUpdated) if e.block_id[:2] == ("rdd", rdd.id())]
    assert sorted(e.block_id[2] for e in stored) == [0, 1, 2, 3] and all(e.memory_bytes > 0 for e in stored)
    info = [i for i in sc.getRDDStorageInfo() if i["id"] == rdd.id()][0]
    assert info["numCachedPartitions"] == 4 and info["memorySize"] == sum(e.memory_bytes for e in stored)
    rdd.unpersist(blocking=True)
    api.wait_for_listeners(sc)
    removed = [e for e in events.of(api.BlockUpdated)
               if e.block_id[:2] == ("rdd", rdd.id()) and e.memory_bytes == e.disk_bytes == 0]
    assert sorted(e.block_id[2] for e in removed) == [0, 1, 2, 3]
    assert [b for b in sc.getBlockStatus() if b["kind"] == "rdd" and b["id"] == rdd.id()] == []


def test_unpersist_blocking_returns_once_executors_dropped_the_blocks(make_sc):
    sc = make_sc("local-cluster[2,1,512]")
    rdd = sc.parallelize(range(2000), 4).persist(StorageLevel.DISK_ONLY)
    rdd.count()
    held = lambda: [b for h in sc._backend.executors.values() for b in h.channel.call("blocks")  # noqa: E731
                    if b.block_id[:2] == ("rdd", rdd.id())]
    assert len(held()) == 4
    rdd.unpersist(blocking=True)
    assert held() == []


def test_environment_and_sql_execution_events_reach_listeners(make_sc):
    listener = Events()
    sc = make_sc("local[2]", spark_sql_shuffle_partitions="3")
    sc.addSparkListener(listener)
    api.post_event(sc, api.SQLExecutionStart("1", "select 1", "Project [1]", time.time()))
    api.run_job(sc, sc.parallelize([1]), list, properties={"spark.sql.execution.id": "1"})
    api.post_event(sc, api.SQLExecutionEnd("1", time.time()))
    api.wait_for_listeners(sc)
    kinds = [type(e).__name__ for e in listener.seen if not isinstance(e, (api.TaskEnd, api.StageSubmitted,
                                                                          api.StageCompleted, api.BlockUpdated))]
    assert kinds == ["SQLExecutionStart", "JobStart", "JobEnd", "SQLExecutionEnd"]
    assert listener.of(api.JobStart)[0].sql_execution_id == "1"



class EnvironmentRecorder(api.SparkListener):
    """Named in spark.extraListeners: registered before the context posts its start events."""
    seen: list = []

    def onApplicationStart(self, event):
        EnvironmentRecorder.seen.append(event)

    def onEnvironmentUpdate(self, event):
        EnvironmentRecorder.seen.append(event)


def test_listeners_named_in_the_configuration_hear_the_start_and_the_environment(make_sc):
    EnvironmentRecorder.seen = []
    sc = make_sc("local[1]", spark_extraListeners=f"{__name__}.EnvironmentRecorder")
    api.wait_for_listeners(sc)
    start, environment = EnvironmentRecorder.seen[:2]
    assert isinstance(start, api.ApplicationStart) and start.app_id == sc.applicationId
    assert environment.spark_properties["spark.app.name"] == sc.appName
    assert environment.spark_properties["spark.master"] == "local[1]"
    assert environment.system_properties["python.version"].count(".") == 2
