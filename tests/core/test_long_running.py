"""A context that lives for hours: nothing the driver or the executors keep grows with the number
of jobs, and nothing is left on disk. The soak test runs benchmarks/soak.py's workload (6,000
small jobs with shuffles, caches, broadcasts and accumulators that the program drops; 5,000 on
``local-cluster``, whose executors are the same code as ``local``'s, and 3,000 on Ray) on each backend,
with the web UI on; ``python -m benchmarks.soak`` runs 10,000 and more."""
from __future__ import annotations

import gc
import glob
import os
import random
import tempfile

import pytest

from benchmarks import soak
from sparklite import StorageLevel
from sparklite.core import accumulators, api, broadcast

SOAK_JOBS = int(os.environ.get("SPARKLITE_SOAK_JOBS", "2000"))
SOAK_JOBS_RAY = int(os.environ.get("SPARKLITE_SOAK_JOBS_RAY", "1200"))   # Ray's task round trips are slow here
SOAK_JOBS_CLUSTER = int(os.environ.get("SPARKLITE_SOAK_JOBS_CLUSTER", "1600"))


def temp_files() -> set:
    roots = [tempfile.gettempdir()] + (["/dev/shm"] if os.path.isdir("/dev/shm") else [])
    found = set()
    for root in roots:
        for pattern in ("sparklite-*", "spill-*", "mapreduce-*"):
            found.update(glob.glob(os.path.join(root, pattern)))
    return found


def spill_files_under(paths) -> list:
    return [f for path in paths for _, _, files in os.walk(path) for f in files if f.startswith("spill-")]


def executor_pids(sc) -> list:
    """The processes that run this context's tasks, beside the driver."""
    backend = sc._backend
    if sc.master.startswith("local-cluster"):
        return [h.pid for h in backend.executors.values()]
    if sc.master == "ray":
        import ray
        return ray.get([actor.pid.remote() for actor in backend.actors.values()])
    return [worker.pid for worker in backend.workers._workers]      # local[N]: its Python workers


def open_files(pid) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def ui_store(sc):
    """The web UI's status store of the context."""
    [running] = sc._extensions
    return running.server.apps.store


def driver_state(sc) -> dict:
    """Every driver structure that could grow per job, by size."""
    gc.collect()
    sc._cleaner.wait_idle()
    api.wait_for_listeners(sc)
    scheduler = sc._scheduler
    return {"shuffles": len(scheduler.call(scheduler.tracker.shuffle_ids)),
            "blocks": len(sc._block_registry.snapshot()), "tracked": sc._cleaner.tracked(),
            "accumulators": len(accumulators._registry), "broadcasts": len(sc._broadcasts),
            "broadcast_values": len(broadcast._values), "persistent": len(sc._persistent_rdds),
            "stages": len(scheduler.stage_graph), "ui_cached_rdds": len(ui_store(sc).rdds)}


@pytest.mark.slow
@pytest.mark.parametrize("master", ["local[2]", "local-cluster[2,1,512]",
                                    pytest.param("ray", marks=pytest.mark.ray)])
def test_thousands_of_small_jobs_leave_the_context_as_it_was(make_sc, master, request, capsys):
    if master == "ray":
        request.getfixturevalue("ray_cluster")
    before_files = temp_files()
    sc = make_sc(master, spark_ui_enabled="true")
    soak.run(sc, 200)                               # warm-up: pools, caches and imports reach their size
    baseline = driver_state(sc)
    pids = executor_pids(sc)
    warm_rss = {pid: soak.rss_bytes(pid) for pid in pids}
    warm_fds = {pid: open_files(pid) for pid in pids + [os.getpid()]}

    jobs = {"ray": SOAK_JOBS_RAY, "local-cluster[2,1,512]": SOAK_JOBS_CLUSTER}.get(master, SOAK_JOBS)
    figures = soak.run(sc, jobs)
    end = driver_state(sc)
    sc._scheduler.call(sc._scheduler.assert_idle)
    assert end == baseline
    store = ui_store(sc)                            # the UI keeps what Spark's retention keys say, no more
    assert len(store.jobs) <= store.retained_jobs and len(store.stages) <= store.retained_stages
    assert set(store._stage_jobs) <= {stage for job in store.jobs.values() for stage in job.stage_ids}
    assert len(store._rdd_info) <= 10 * store.retained_stages and len(store.sql) <= store.retained_executions
    assert len(sc._progress.jobs) <= sc._progress.retained and len(sc._progress.stages) <= sc._progress.retained
    assert figures["driver_rss_end"] - figures["driver_rss_start"] < 64 << 20
    assert set(executor_pids(sc)) == set(pids), "no executor or worker process was replaced"
    for pid in pids:
        assert soak.rss_bytes(pid) - warm_rss[pid] < 64 << 20, f"executor process {pid} grew"
    for pid, count in warm_fds.items():
        assert open_files(pid) <= count + 4, f"process {pid} holds more open files"
    with capsys.disabled():
        rates = figures["jobs_per_s"]
        print(f"\nsoak {master}: {figures['jobs']} jobs in {figures['seconds']:.0f} s, jobs/s {rates[0]:.0f} .. "
              f"{rates[-1]:.0f}, driver RSS {figures['driver_rss_start'] >> 20} -> {figures['driver_rss_end'] >> 20} MiB")
    sc.stop()
    assert temp_files() - before_files == set()


def test_dropped_accumulators_are_forgotten(sc):
    before = len(accumulators._registry)
    for _ in range(50):
        counter = sc.accumulator(0)
        sc.parallelize(range(4), 2).foreach(lambda _: counter.add(1))
        assert counter.value == 4
    counter = None
    gc.collect()
    assert len(accumulators._registry) <= before


def test_spill_files_of_a_partly_read_sort_are_deleted_when_its_task_ends(make_sc):
    sc = make_sc("local[2]", spark_executor_memory="8m")
    spill_dirs = sc.parallelize([0], 1).map(
        lambda _: api.TaskContext.get()._executor.block_store.spill_dir).collect()
    words = random.Random(3).choices(range(10**6), k=200_000)
    listener = SpillListener()
    sc.addSparkListener(listener)
    first = sc.parallelize([(w, "x" * 20) for w in words], 2).sortByKey().take(1)
    assert first == [(min(words), "x" * 20)]
    api.wait_for_listeners(sc)
    assert listener.spilled > 0, "the sort spilled"
    assert spill_files_under(spill_dirs) == []


class SpillListener(api.SparkListener):
    def __init__(self):
        self.spilled = 0

    def onTaskEnd(self, event):
        self.spilled += event.metrics.spilled_bytes


def test_stage_graph_holds_only_the_stages_of_active_jobs(sc):
    pairs = sc.parallelize(range(100), 4).map(lambda x: (x % 3, x))
    for _ in range(5):
        pairs.reduceByKey(lambda a, b: a + b).collect()
    assert len(sc._scheduler.stage_graph) == 0
    sc._scheduler.call(sc._scheduler.assert_idle)


def test_unpersisted_and_dropped_blocks_leave_storage_status(sc):
    rdd = sc.parallelize(range(100), 4).persist(StorageLevel.MEMORY_AND_DISK)
    rdd.count()
    rdd_id = rdd.id()
    del rdd
    gc.collect()
    sc._cleaner.wait_idle()
    api.wait_for_listeners(sc)
    assert [b for b in sc.getBlockStatus() if b["kind"] == "rdd" and b["id"] == rdd_id] == []


def test_clean_shuffle_dependencies_removes_shuffles_up_to_the_nearest_persisted_rdd(sc):
    listener = MapTasks()
    sc.addSparkListener(listener)
    try:
        first = sc.parallelize(range(60), 3).map(lambda x: (x % 5, x)).reduceByKey(lambda a, b: a + b)
        kept = sc.parallelize(range(60), 3).map(lambda x: (x % 4, x)).groupByKey().mapValues(len).cache()
        final = first.join(kept.map(lambda kv: (kv[0] + 1, kv[1])), 2)
        expected = sorted(final.collect())

        def map_tasks_of_next_collect():
            api.wait_for_listeners(sc)
            before = listener.count
            assert sorted(final.collect()) == expected
            api.wait_for_listeners(sc)
            return listener.count - before

        assert map_tasks_of_next_collect() == 0       # every shuffle output is still there
        final.cleanShuffleDependencies(blocking=True)
        # the join's and reduceByKey's shuffles run again (3 + 3 + 3 map tasks); groupByKey's, behind
        # the persisted RDD, was kept and is not even needed: the cache serves it
        assert map_tasks_of_next_collect() == 9
    finally:
        sc.removeSparkListener(listener)


class MapTasks(api.SparkListener):
    def __init__(self):
        self.count = 0

    def onTaskEnd(self, event):
        self.count += event.metrics.shuffle_write_records > 0 or event.metrics.shuffle_write_bytes > 0
