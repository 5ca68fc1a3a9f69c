"""SparkConf and SparkContext: configuration, master URLs, lifecycle, information, creating RDDs,
runJob, job groups, job tags, the status tracker and job cancellation."""
from __future__ import annotations

import getpass
import logging
import os
import re
import threading
import time

import pytest

import sparklite
from sparklite import JobCancelledError, SparkConf, SparkContext, SparkJobError, TaskContext

# -- SparkConf ------------------------------------------------------------------------------------


def test_spark_conf_set_get_contains():
    conf = SparkConf(loadDefaults=False)
    assert conf.set("spark.a", "1") is conf
    assert conf.get("spark.a") == "1"
    assert conf.get("spark.missing") is None
    assert conf.get("spark.missing", "fallback") == "fallback"
    assert conf.get("spark.a", "fallback") == "1"
    assert conf.contains("spark.a")
    assert not conf.contains("spark.missing")
    conf.set("spark.a", "2")
    assert conf.get("spark.a") == "2"
    # Values are stored as strings.
    conf.set("spark.n", 5)
    assert conf.get("spark.n") == "5"


def test_spark_conf_set_if_missing_and_set_all():
    conf = SparkConf(loadDefaults=False).set("spark.x", "original")
    conf.setIfMissing("spark.x", "ignored").setIfMissing("spark.y", "new")
    assert conf.get("spark.x") == "original"
    assert conf.get("spark.y") == "new"
    assert conf.setAll([("spark.p", "1"), ("spark.q", "2")]) is conf
    assert conf.get("spark.p") == "1" and conf.get("spark.q") == "2"


def test_spark_conf_get_all_and_to_debug_string():
    conf = SparkConf(loadDefaults=False).setMaster("local[2]").setAppName("app").set("spark.k", "v")
    conf.setSparkHome("/opt/spark")
    assert sorted(conf.getAll()) == sorted([("spark.master", "local[2]"), ("spark.app.name", "app"),
                                            ("spark.k", "v"), ("spark.home", "/opt/spark")])
    assert all(isinstance(item, tuple) and len(item) == 2 for item in conf.getAll())
    lines = conf.toDebugString().split("\n")
    assert sorted(lines) == sorted(["spark.master=local[2]", "spark.app.name=app", "spark.k=v",
                                    "spark.home=/opt/spark"])


def test_spark_conf_set_executor_env():
    conf = SparkConf(loadDefaults=False)
    conf.setExecutorEnv("VAR1", "value1")
    conf.setExecutorEnv(pairs=[("VAR2", "value2"), ("VAR3", "value3")])
    assert conf.get("spark.executorEnv.VAR1") == "value1"
    assert conf.get("spark.executorEnv.VAR2") == "value2"
    assert conf.get("spark.executorEnv.VAR3") == "value3"
    with pytest.raises(Exception):
        conf.setExecutorEnv()
    with pytest.raises(Exception):
        conf.setExecutorEnv("K", "V", pairs=[("A", "B")])


def test_spark_conf_reaches_the_context(make_sc):
    sc = make_sc("local[2]", spark_custom_setting="abc")
    conf = sc.getConf()
    assert conf.get("spark.custom.setting") == "abc"
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.app.name") == sc.appName
    # getConf returns a copy: changing it does not change the context's configuration.
    conf.set("spark.custom.setting", "changed")
    assert sc.getConf().get("spark.custom.setting") == "abc"


def test_context_from_conf_only(no_sc):
    conf = SparkConf().setMaster("local[3]").setAppName("from-conf")
    with SparkContext(conf=conf) as sc:
        assert sc.master == "local[3]"
        assert sc.appName == "from-conf"
        assert sc.defaultParallelism == 3


def test_context_without_app_name_raises(no_sc):
    with pytest.raises(Exception, match="(?i)application name"):
        SparkContext(conf=SparkConf(loadDefaults=False).setMaster("local"))
    # Nothing is left half-started: a proper context can be created afterwards.
    with SparkContext("local", "after-failure") as sc:
        assert sc.parallelize([1, 2]).sum() == 3


# -- master URLs ----------------------------------------------------------------------------------

def test_master_local_has_one_core(make_sc):
    sc = make_sc("local")
    assert sc.master == "local"
    assert sc.defaultParallelism == 1
    assert sc.defaultMinPartitions == 1
    assert sc.parallelize(range(10)).getNumPartitions() == 1
    assert sc.parallelize(range(10)).sum() == 45


def test_master_local_n(make_sc):
    sc = make_sc("local[3]")
    assert sc.defaultParallelism == 3
    assert sc.defaultMinPartitions == 2
    assert sc.parallelize(range(30)).getNumPartitions() == 3
    assert sc.parallelize(range(30)).glom().map(len).collect() == [10, 10, 10]


def test_master_local_star_uses_all_cores(make_sc):
    sc = make_sc("local[*]")
    cores = {os.cpu_count()}
    if hasattr(os, "sched_getaffinity"):
        cores.add(len(os.sched_getaffinity(0)))
    assert sc.defaultParallelism in cores
    assert sc.range(100).sum() == 4950


def test_master_local_with_max_failures(make_sc):
    sc = make_sc("local[2,5]")
    assert sc.defaultParallelism == 2

    def fails_four_times(x):
        if TaskContext.get().attemptNumber() < 4:
            raise RuntimeError("not yet")
        return x * 10

    assert sc.parallelize([1, 2], 2).map(fails_four_times).collect() == [10, 20]


def test_plain_local_master_does_not_retry_failed_tasks(make_sc):
    sc = make_sc("local[2]")

    def fails_first_time(x):
        if TaskContext.get().attemptNumber() == 0:
            raise RuntimeError("first attempt")
        return x

    with pytest.raises(SparkJobError, match="first attempt"):
        sc.parallelize([1], 1).map(fails_first_time).collect()


@pytest.mark.parametrize("master", ["banana", "local[x]", "local[0]", "local[2,]", "local[-1]", "locale"])
def test_bad_master_url_raises_value_error(no_sc, master):
    with pytest.raises(ValueError):
        SparkContext(master, "bad-master")
    assert SparkContext._active is None


# -- lifecycle ------------------------------------------------------------------------------------

def test_get_or_create_returns_the_active_context(sc):
    assert SparkContext.getOrCreate() is sc
    assert SparkContext.getOrCreate(SparkConf().setMaster("local[4]").setAppName("ignored")) is sc


def test_get_or_create_creates_one_when_none_is_active(no_sc):
    conf = SparkConf().setMaster("local[2]").setAppName("created")
    sc = SparkContext.getOrCreate(conf)
    try:
        assert sc.appName == "created"
        assert SparkContext.getOrCreate() is sc
    finally:
        sc.stop()


def test_a_second_context_cannot_be_created(sc):
    with pytest.raises(ValueError, match="multiple SparkContexts"):
        SparkContext("local[2]", "second")
    # The first one still works.
    assert sc.parallelize([1, 2, 3]).count() == 3


def test_context_manager_stops_the_context(no_sc):
    with SparkContext("local[2]", "managed") as sc:
        rdd = sc.parallelize(range(5))
        assert rdd.sum() == 10
    with pytest.raises(Exception, match="stopped"):
        rdd.collect()
    # A new context can be created once the old one is stopped.
    with SparkContext("local[2]", "next") as again:
        assert again is not sc
        assert again.parallelize([1]).collect() == [1]


def test_action_after_stop_raises_and_stop_is_idempotent(no_sc):
    sc = SparkContext("local[2]", "stopping")
    rdd = sc.parallelize(range(10)).map(lambda x: x + 1)
    assert rdd.count() == 10
    sc.stop()
    sc.stop()
    with pytest.raises(Exception, match="stopped"):
        rdd.count()
    with pytest.raises(Exception):
        sc.parallelize([1, 2]).collect()


# -- information ----------------------------------------------------------------------------------

def test_application_information(no_sc):
    before = int(time.time() * 1000)
    with SparkContext("local[2]", "info-app") as sc:
        after = int(time.time() * 1000)
        assert re.fullmatch(r"local-\d+", sc.applicationId)
        assert isinstance(sc.startTime, int)
        assert before - 1000 <= sc.startTime <= after + 1000
        expected_user = os.environ.get("SPARK_USER") or getpass.getuser()
        assert sc.sparkUser() == expected_user
        assert sc.version == sparklite.__version__
        assert isinstance(sc.version, str)
        assert sc.appName == "info-app"
        assert sc.master == "local[2]"


def test_set_log_level(sc):
    logger = logging.getLogger("sparklite")
    old = logger.level
    try:
        sc.setLogLevel("ERROR")
        assert logger.getEffectiveLevel() == logging.ERROR
        sc.setLogLevel("warn")
        assert logger.getEffectiveLevel() == logging.WARNING
        sc.setLogLevel("DEBUG")
        assert logger.getEffectiveLevel() == logging.DEBUG
        for level in ("ALL", "INFO", "OFF", "TRACE", "FATAL"):
            sc.setLogLevel(level)
        with pytest.raises(ValueError, match="did not match"):
            sc.setLogLevel("VERBOSE")
    finally:
        logger.setLevel(old)


def test_default_min_partitions(make_sc):
    assert make_sc("local[1]").defaultMinPartitions == 1
    assert make_sc("local[2]").defaultMinPartitions == 2
    assert make_sc("local[5]").defaultMinPartitions == 2


def test_default_parallelism_setting_overrides_cores(make_sc):
    sc = make_sc("local[2]", spark_default_parallelism="7")
    assert sc.defaultParallelism == 7
    assert sc.parallelize(range(70)).getNumPartitions() == 7


# -- creating RDDs --------------------------------------------------------------------------------

def test_range(sc):
    assert sc.range(5).collect() == [0, 1, 2, 3, 4]
    assert sc.range(2, 10).collect() == list(range(2, 10))
    assert sc.range(2, 10, 3).collect() == [2, 5, 8]
    assert sc.range(10, 0, -3).collect() == [10, 7, 4, 1]
    assert sc.range(0).collect() == []
    r = sc.range(0, 10, numSlices=3)
    assert r.getNumPartitions() == 3
    assert r.glom().collect() == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert sc.range(1_000_000, numSlices=4).sum() == 499999500000


def test_empty_rdd(sc):
    empty = sc.emptyRDD()
    assert empty.getNumPartitions() == 0
    assert empty.collect() == []
    assert empty.count() == 0
    assert empty.isEmpty()
    assert empty.sum() == 0
    with pytest.raises(ValueError):
        empty.reduce(lambda a, b: a + b)
    assert empty.union(sc.parallelize([1])).collect() == [1]


def test_context_union(sc):
    a = sc.parallelize([1, 2], 2)
    b = sc.parallelize([3], 1)
    c = sc.parallelize(["x", "y", "z"], 3)
    u = sc.union([a, b, c])
    assert u.collect() == [1, 2, 3, "x", "y", "z"]
    assert u.getNumPartitions() == 6
    assert sc.union([a, a]).collect() == [1, 2, 1, 2]
    assert sc.union([a]).collect() == [1, 2]


def test_run_job_on_chosen_partitions(sc):
    rdd = sc.parallelize(range(12), 4)  # [0..2], [3..5], [6..8], [9..11]
    assert sc.runJob(rdd, lambda it: [sum(it)]) == [3, 12, 21, 30]
    assert sc.runJob(rdd, lambda it: [sum(it)], [0, 2]) == [3, 21]
    assert sc.runJob(rdd, lambda it: [sum(it)], [3, 1]) == [30, 12]
    assert sc.runJob(rdd, lambda it: it, [1]) == [3, 4, 5]
    assert sc.runJob(rdd, lambda it: [x * 2 for x in it if x % 2], [2, 3]) == [14, 18, 22]
    assert sc.runJob(rdd, lambda it: [1], []) == []
    with pytest.raises(ValueError, match="non-existent partition"):
        sc.runJob(rdd, lambda it: [1], [4])


# -- job groups and the status tracker ------------------------------------------------------------

def test_status_tracker_job_ids_for_group(make_sc):
    sc = make_sc("local[2]")
    sc.setJobGroup("group-a", "first group")
    assert sc.parallelize(range(10), 2).count() == 10
    assert sc.parallelize(range(10), 2).map(lambda x: x * 2).collect()[-1] == 18
    sc.setJobGroup("group-b", "second group")
    sc.parallelize([1]).count()
    tracker = sc.statusTracker()
    a_jobs = tracker.getJobIdsForGroup("group-a")
    b_jobs = tracker.getJobIdsForGroup("group-b")
    assert len(a_jobs) == 2 and len(b_jobs) == 1
    assert not set(a_jobs) & set(b_jobs)
    assert tracker.getJobIdsForGroup("no-such-group") == []
    for job_id in a_jobs + b_jobs:
        info = tracker.getJobInfo(job_id)
        assert info.jobId == job_id
        assert info.status == "SUCCEEDED"
        assert len(info.stageIds) >= 1
    assert tracker.getActiveJobsIds() == []
    assert tracker.getActiveStageIds() == []
    assert tracker.getJobInfo(10 ** 6) is None


def test_failed_job_status_is_failed(make_sc):
    sc = make_sc("local[2]")
    sc.setJobGroup("failing", "will fail")
    with pytest.raises(SparkJobError):
        sc.parallelize([1, 2], 2).map(lambda x: 1 / 0).collect()
    (job_id,) = sc.statusTracker().getJobIdsForGroup("failing")
    assert sc.statusTracker().getJobInfo(job_id).status == "FAILED"


def test_job_groups_are_per_thread(make_sc):
    sc = make_sc("local[2]")
    sc.setJobGroup("main-thread-group", "main")

    def other_thread():
        sc.setJobGroup("worker-thread-group", "worker")
        sc.parallelize([1, 2]).count()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    sc.parallelize([1]).count()
    tracker = sc.statusTracker()
    assert len(tracker.getJobIdsForGroup("worker-thread-group")) == 1
    assert len(tracker.getJobIdsForGroup("main-thread-group")) == 1


# -- cancellation ---------------------------------------------------------------------------------

class _SlowJob:
    """Runs a job whose tasks block until released (or 20 s pass) on a background thread."""

    def __init__(self, sc, tmp_path, name: str, setup=None, partitions: int = 4):
        self.started = tmp_path / f"{name}.started"
        self.release = tmp_path / f"{name}.release"
        self.error = None
        self.result = None
        started, release = str(self.started), str(self.release)

        def slow(x):
            open(started, "a").close()
            deadline = time.time() + 20
            while not os.path.exists(release) and time.time() < deadline:
                time.sleep(0.01)
            return x

        def run():
            if setup is not None:
                setup(sc)
            try:
                self.result = sc.parallelize(range(partitions), partitions).map(slow).collect()
            except BaseException as e:  # noqa: BLE001 - handed to the test
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait_started(self, timeout: float = 10) -> None:
        deadline = time.time() + timeout
        while not self.started.exists():
            assert time.time() < deadline, "the slow job's tasks never started"
            time.sleep(0.01)

    def join(self, timeout: float = 10) -> None:
        self.thread.join(timeout)

    def finish(self) -> None:
        self.release.touch()
        self.join()


def test_cancel_job_group_from_another_thread(make_sc, tmp_path):
    sc = make_sc("local[2]")
    job = _SlowJob(sc, tmp_path, "grouped", setup=lambda s: s.setJobGroup("slow-group", "slow job"))
    try:
        job.wait_started()
        sc.cancelJobGroup("slow-group")
        job.join(timeout=10)
        # The action returned while its tasks were still blocked: it was cancelled, not completed.
        assert not job.thread.is_alive()
        assert not job.release.exists()
        assert isinstance(job.error, JobCancelledError)
        assert isinstance(job.error, SparkJobError)
        assert job.result is None
    finally:
        job.finish()
    (job_id,) = sc.statusTracker().getJobIdsForGroup("slow-group")
    assert sc.statusTracker().getJobInfo(job_id).status == "FAILED"
    # The context is still usable.
    assert sc.parallelize(range(10), 4).sum() == 45
    assert sc.parallelize(range(10), 2).map(lambda x: (x % 2, x)).reduceByKey(lambda a, b: a + b) \
        .collectAsMap() == {0: 20, 1: 25}


def test_cancel_job_group_leaves_other_groups_running(make_sc, tmp_path):
    sc = make_sc("local[4]")
    doomed = _SlowJob(sc, tmp_path, "doomed", setup=lambda s: s.setJobGroup("doomed", "d"), partitions=2)
    kept = _SlowJob(sc, tmp_path, "kept", setup=lambda s: s.setJobGroup("kept", "k"), partitions=2)
    try:
        doomed.wait_started()
        kept.wait_started()
        sc.cancelJobGroup("doomed")
        doomed.join(timeout=10)
        assert isinstance(doomed.error, JobCancelledError)
        assert kept.thread.is_alive()
    finally:
        doomed.finish()
        kept.finish()
    assert kept.error is None
    assert kept.result == [0, 1]


def test_cancel_all_jobs(make_sc, tmp_path):
    sc = make_sc("local[2]")
    job = _SlowJob(sc, tmp_path, "all")
    try:
        job.wait_started()
        sc.cancelAllJobs()
        job.join(timeout=10)
        assert not job.thread.is_alive()
        assert isinstance(job.error, JobCancelledError)
    finally:
        job.finish()
    assert sc.parallelize([1, 2, 3]).count() == 3


def test_job_tags_api(make_sc):
    sc = make_sc("local[2]")
    assert sc.getJobTags() == set()
    sc.addJobTag("etl")
    sc.addJobTag("nightly")
    assert sc.getJobTags() == {"etl", "nightly"}
    sc.removeJobTag("etl")
    assert sc.getJobTags() == {"nightly"}
    sc.removeJobTag("not-there")
    assert sc.getJobTags() == {"nightly"}
    sc.clearJobTags()
    assert sc.getJobTags() == set()
    with pytest.raises(ValueError):
        sc.addJobTag("a,b")
    with pytest.raises(ValueError):
        sc.addJobTag("")


def test_cancel_jobs_with_tag(make_sc, tmp_path):
    sc = make_sc("local[4]")
    tagged = _SlowJob(sc, tmp_path, "tagged", setup=lambda s: s.addJobTag("to-cancel"), partitions=2)
    other = _SlowJob(sc, tmp_path, "other", setup=lambda s: s.addJobTag("keep-me"), partitions=2)
    try:
        tagged.wait_started()
        other.wait_started()
        sc.cancelJobsWithTag("to-cancel")
        tagged.join(timeout=10)
        assert not tagged.thread.is_alive()
        assert isinstance(tagged.error, JobCancelledError)
        assert other.thread.is_alive()
    finally:
        tagged.finish()
        other.finish()
    assert other.error is None and other.result == [0, 1]
    assert sc.parallelize(range(4)).count() == 4


def test_rerunning_a_shuffle_job_after_cancelling_it_during_the_map_stage(make_sc, tmp_path):
    sc = make_sc("local[2]")
    started, release = tmp_path / "map.started", tmp_path / "map.release"

    def slow_map(x):
        open(started, "a").close()
        deadline = time.time() + 20
        while not os.path.exists(release) and time.time() < deadline:
            time.sleep(0.01)
        return (x % 3, x)

    sums = sc.parallelize(range(12), 4).map(slow_map).reduceByKey(lambda a, b: a + b, 3)
    box = {}

    def run():
        sc.setJobGroup("shuffle-group", "cancel me in the map stage")
        try:
            box["result"] = sums.collect()
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        deadline = time.time() + 10
        while not started.exists():
            assert time.time() < deadline
            time.sleep(0.01)
        sc.cancelJobGroup("shuffle-group")
        t.join(10)
        assert isinstance(box.get("error"), JobCancelledError)
    finally:
        release.touch()
        t.join(10)
    assert sorted(sums.collect()) == [(0, 0 + 3 + 6 + 9), (1, 1 + 4 + 7 + 10), (2, 2 + 5 + 8 + 11)]
    assert sums.count() == 3


def test_python_tasks_run_after_pyarrow_read_a_csv_on_the_main_thread(tmp_path):
    # pyarrow.csv makes a self-pipe for Ctrl-C; forked workers must inherit it intact, or every
    # Python task of a context made afterwards dies with SIGABRT. A fresh interpreter, so the read
    # comes before the context's fork server.
    import subprocess
    import sys
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    script = ("import pyarrow.csv, sparklite\n"
              f"pyarrow.csv.read_csv({str(tmp_path / 'x.csv')!r})\n"
              "sc = sparklite.SparkContext('local[2]', 'csv-first')\n"
              "print(sc.parallelize(range(10), 2).map(lambda x: x * 2).sum())\n"
              "sc.stop()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(sparklite.__file__))})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "90"
