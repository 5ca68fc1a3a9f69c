"""The DAG scheduler, driven synchronously against a fake backend: stage cutting, map-stage reuse,
recovery of lost map outputs, retries and cancellation are deterministic unit tests here."""
from __future__ import annotations

import inspect
from operator import add

import pytest

from sparklite import JobCancelledError, SparkJobError
from sparklite.core import listener as ev
from sparklite.core.scheduler.dag import CancelJobs

from .fake_cluster import FakeCluster, counts, word_pairs

EXPECTED = sorted({w: 10 for w in "abcdef"}.items())


def result_of(waiter):
    return sorted(kv for part in waiter.result(timeout=0) for kv in part)


def stages_of_last_job(cluster):
    return cluster.events(ev.JobStart)[-1].stage_ids


def test_stages_are_cut_at_shuffles(sc):
    cluster = FakeCluster()
    narrow = sc.parallelize(range(8), 4).map(lambda x: x + 1).filter(lambda x: x % 2)
    cluster.submit(narrow)
    assert len(stages_of_last_job(cluster)) == 1
    assert len(cluster.launched) == 4, "one task per partition, map and filter fused into it"
    cluster.run_all()

    two_shuffles = counts(word_pairs(sc)).map(lambda kv: (kv[1], kv[0])).groupByKey()
    cluster.submit(two_shuffles)
    assert len(stages_of_last_job(cluster)) == 3
    cluster.run_all()

    joined = counts(word_pairs(sc)).join(word_pairs(sc, 2))
    cluster.submit(joined)
    # reduceByKey's map stage, the join's shuffle over both sides, the result
    assert len(stages_of_last_job(cluster)) == 3
    cluster.run_all()
    cluster.scheduler.assert_idle()


def test_stage_graph_is_a_networkx_dag(sc):
    cluster = FakeCluster()
    cluster.submit(counts(word_pairs(sc)).map(lambda kv: (kv[1], kv[0])).groupByKey())
    import networkx as nx
    graph = cluster.scheduler.stage_graph
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 2
    cluster.run_all()
    assert cluster.scheduler.stage_graph.number_of_nodes() == 0   # nothing is kept once the job ended


def test_second_action_skips_the_map_stage(sc):
    cluster = FakeCluster()
    rdd = counts(word_pairs(sc))
    waiter = cluster.submit(rdd)
    assert all(task.is_map for _, task in cluster.launched)
    cluster.run_all()
    assert result_of(waiter) == EXPECTED
    maps_first = sum(1 for e in cluster.events(ev.StageSubmitted))

    waiter = cluster.submit(rdd)
    assert cluster.launched and not any(task.is_map for _, task in cluster.launched)
    cluster.run_all()
    assert result_of(waiter) == EXPECTED
    assert sum(1 for e in cluster.events(ev.StageSubmitted)) == maps_first + 1, "only the result stage ran"
    cluster.scheduler.assert_idle()


def test_lost_executor_reruns_only_its_map_partitions(sc):
    cluster = FakeCluster()
    rdd = counts(word_pairs(sc, 6))
    cluster.submit(rdd)
    map_runs = [(e, t.partition) for e, t, _ in cluster.run_all() if t.is_map]
    on_b = sorted(p for e, p in map_runs if e == "B")
    assert on_b and len(on_b) < 6

    cluster.lose_executor("B")
    waiter = cluster.submit(rdd)
    launched_maps = sorted(t.partition for _, t in cluster.launched if t.is_map)
    assert launched_maps == on_b
    cluster.run_all()
    assert result_of(waiter) == EXPECTED
    cluster.scheduler.assert_idle()


def test_fetch_failure_resubmits_just_the_missing_map_output(sc):
    cluster = FakeCluster(executors=("A",), cores=4)
    rdd = counts(word_pairs(sc, 4))
    waiter = cluster.submit(rdd)
    for _ in range(4):
        cluster.run_one(lambda e, t: t.is_map)
    # the output of map 2 vanishes before the reducers read it
    shuffle_id = rdd._deps[0].shuffle_id
    cluster.executors["A"].block_store.remove(("shuffle", shuffle_id, 2))
    _, task, outcome = cluster.run_one(lambda e, t: not t.is_map)
    assert outcome.status == "fetch_failed" and outcome.fetch_failure[:2] == (shuffle_id, 2)
    cluster.scheduler.run_until_idle()
    # the reduce attempt was abandoned; only map partition 2 runs again
    maps = [t.partition for _, t in cluster.launched if t.is_map]
    assert maps == [2]
    cluster.run_all()
    assert result_of(waiter) == EXPECTED
    cluster.scheduler.assert_idle()


def test_repeated_fetch_failures_abort_the_stage(sc):
    cluster = FakeCluster(executors=("A",), cores=4, spark_stage_maxConsecutiveAttempts="2")
    rdd = counts(word_pairs(sc, 2))
    waiter = cluster.submit(rdd)
    shuffle_id = rdd._deps[0].shuffle_id
    for _ in range(2):
        while any(t.is_map for _, t in cluster.launched):
            cluster.run_one(lambda e, t: t.is_map)
        cluster.executors["A"].block_store.remove(("shuffle", shuffle_id, 0))
        cluster.run_one(lambda e, t: not t.is_map and t.task_id not in cluster.killed)
    with pytest.raises(SparkJobError, match="maxConsecutiveAttempts"):
        waiter.result(timeout=0)
    cluster.run_all()   # killed tasks report in and are ignored
    cluster.scheduler.assert_idle()


def test_flaky_task_is_retried_and_the_job_succeeds(sc):
    cluster = FakeCluster(spark_task_maxFailures="4")
    waiter = cluster.submit(sc.parallelize(range(4), 2))
    first = cluster.fail_one()[1].partition
    cluster.fail_one(lambda e, t: t.partition == first)
    retried = [t for _, t in cluster.launched if t.partition == first]
    assert retried and retried[0].attempt == 2
    cluster.run_all()
    assert sorted(x for part in waiter.result(timeout=0) for x in part) == [0, 1, 2, 3]
    ends = [e.reason for e in cluster.events(ev.TaskEnd)]
    assert ends.count("exception") == 2 and ends.count("success") == 2
    cluster.scheduler.assert_idle()


def test_task_failing_max_failures_times_fails_the_job_with_the_cause(sc):
    cluster = FakeCluster(spark_task_maxFailures="3")
    waiter = cluster.submit(sc.parallelize(range(4), 2))
    error = ValueError("bad record 7")
    for _ in range(3):
        cluster.fail_one(lambda e, t: t.partition == 0, error=error)
    with pytest.raises(SparkJobError, match="failed 3 times.*ValueError: bad record 7") as info:
        waiter.result(timeout=0)
    assert info.value.__cause__ is error
    cluster.run_all()   # killed tasks report in and are ignored
    cluster.scheduler.assert_idle()


def test_cancelled_job_fails_and_kills_its_running_tasks(sc):
    cluster = FakeCluster()
    waiter = cluster.submit(counts(word_pairs(sc)))
    running = [t.task_id for _, t in cluster.launched]
    cluster.scheduler.post(CancelJobs(job_id=cluster.events(ev.JobStart)[-1].job_id, reason="test"))
    cluster.scheduler.run_until_idle()
    with pytest.raises(JobCancelledError):
        waiter.result(timeout=0)
    assert sorted(cluster.killed) == sorted(running)
    cluster.run_all()   # late results of killed tasks are ignored
    cluster.scheduler.assert_idle()


def test_jobs_share_a_map_stage_running_at_once(sc):
    cluster = FakeCluster()
    rdd = counts(word_pairs(sc))
    first = cluster.submit(rdd)
    second = cluster.submit(rdd.mapValues(lambda v: v * 2))
    assert sum(1 for _, t in cluster.launched if t.is_map) == 4, "the second job reuses the running map stage"
    cluster.run_all()
    assert result_of(first) == EXPECTED
    assert result_of(second) == [(k, 2 * v) for k, v in EXPECTED]
    cluster.scheduler.assert_idle()


def test_cached_partitions_are_preferred_and_cut_lineage(sc):
    cluster = FakeCluster()
    cached = counts(word_pairs(sc)).cache()
    cluster.submit(cached)
    holders = {}
    for e, t, _ in cluster.run_all():
        if not t.is_map:
            holders[t.partition] = e
    waiter = cluster.submit(cached.mapValues(lambda v: v + 1))
    assert not any(t.is_map for _, t in cluster.launched), "a fully cached RDD needs no parent stage"
    assert {t.partition: e for e, t in cluster.launched} == holders, "tasks go where their blocks are"
    cluster.run_all()
    assert result_of(waiter) == [(k, v + 1) for k, v in EXPECTED]
    cluster.scheduler.assert_idle()


def test_accumulator_updates_merge_once_per_successful_task(sc):
    cluster = FakeCluster()
    acc = sc.accumulator(0)

    def bump(x):
        acc.add(1)
        return x

    waiter = cluster.submit(sc.parallelize(range(10), 2).map(bump))
    cluster.fail_one()          # a failed attempt's updates are dropped
    cluster.run_all()
    waiter.result(timeout=0)
    assert acc.value == 10


def test_executor_lost_under_a_task_counts_as_a_task_failure(sc):
    from sparklite.core.scheduler.dag import TaskEnded
    from sparklite.core.scheduler.stages import TaskOutcome
    cluster = FakeCluster(spark_task_maxFailures="2")
    waiter = cluster.submit(sc.parallelize(range(4), 1))
    for _ in range(2):
        executor_id, task = cluster.take_launched()
        cluster.scheduler.post(TaskEnded(executor_id, TaskOutcome(task.task_id, "executor_lost",
                                                                  error_text="worker crashed (out of memory)")))
        cluster.scheduler.run_until_idle()
    with pytest.raises(SparkJobError, match="failed 2 times.*executor lost.*out of memory"):
        waiter.result(timeout=0)
    cluster.scheduler.assert_idle()


def test_every_backend_implements_the_backend_protocol():
    from sparklite.core.backends.base import Backend
    from sparklite.core.backends.local import LocalBackend
    from sparklite.core.backends.local_cluster import LocalClusterBackend
    from sparklite.core.backends.ray_backend import RayBackend
    required = [name for name, member in vars(Backend).items() if callable(member) and not name.startswith("_")
                and "raise NotImplementedError" in inspect.getsource(member)
                and name not in ("request_executors", "kill_executors", "decommission", "crash_executor")]
    assert {"start", "stop", "launch", "kill", "executor_ids", "remove_blocks"} <= set(required)
    for backend in (LocalBackend, LocalClusterBackend, RayBackend):
        assert issubclass(backend, Backend)
        missing = [name for name in required if getattr(backend, name) is getattr(Backend, name)]
        assert missing == [], f"{backend.__name__} does not implement {missing}"
    elastic = [n for n in ("request_executors", "kill_executors", "decommission", "crash_executor")
               if getattr(RayBackend, n) is getattr(Backend, n)]
    assert elastic == []


def test_a_fixed_master_says_which_master_can_add_executors(make_sc):
    sc = make_sc("local[2]")
    with pytest.raises(NotImplementedError, match=r"requestExecutors: master local\[2\] has a fixed set"):
        sc.requestExecutors(1)
    assert sc.getExecutorIds() == ["driver"]
