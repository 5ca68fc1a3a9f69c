"""Contexts that live for hours: cancelling a job stops its tasks (a Python loop, a sleep, a call
blocked in C code), the next job starts at once, ``stop()`` returns in bounded time and the process
can exit; after ``stop()`` nothing of the application is left on disk; a context that fails to start
releases what it started. Each on both backends where it applies."""
from __future__ import annotations

import _thread
import ctypes
import glob
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

from sparklite import JobCancelledError, SparkConf, SparkContext, StorageLevel
from sparklite.core import listener as ev

MASTERS = ["local[2]", "local-cluster[2,1,512]", pytest.param("ray", marks=pytest.mark.ray)]


@pytest.fixture(params=MASTERS)
def cancel_master(request):
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    return request.param


def _heartbeat(path: str) -> None:
    with open(path, "a") as f:
        f.write(".")


def spin(path):
    def run(x):
        while True:
            _heartbeat(path)
            for _ in range(100_000):
                pass
    return run


def sleep_long(path):
    def run(x):
        _heartbeat(path)
        time.sleep(60)
        return x
    return run


def blocked_in_c(path):
    def run(x):
        _heartbeat(path)
        ctypes.CDLL(None).sleep(60)     # libc's sleep: C code, which no Python-level interrupt reaches
        return x
    return run


def _wait_for_file(path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "the job's tasks never started"
        time.sleep(0.01)


@pytest.mark.parametrize("blocker", [spin, sleep_long, blocked_in_c], ids=["python-loop", "sleep", "c-code"])
def test_cancelling_a_job_stops_its_tasks_and_the_next_job_starts_at_once(make_sc, cancel_master, blocker,
                                                                          tmp_path):
    sc = make_sc(cancel_master)
    beat = str(tmp_path / "beat")
    threading.Thread(target=lambda: (_wait_for_file(beat), time.sleep(0.3), sc.cancelAllJobs()),
                     daemon=True).start()
    started = time.monotonic()
    with pytest.raises(JobCancelledError):
        sc.parallelize(range(2), 2).map(blocker(beat)).collect()
    assert time.monotonic() - started < 15
    before_next = time.monotonic()
    assert sc.parallelize(range(4), 2).map(lambda x: x + 1).collect() == [1, 2, 3, 4]
    assert time.monotonic() - before_next < 1.0
    if blocker is spin:       # the loop no longer runs anywhere
        size = os.path.getsize(beat)
        time.sleep(0.5)
        assert os.path.getsize(beat) == size
    stopping = time.monotonic()
    sc.stop()
    assert time.monotonic() - stopping < 10


def test_ctrl_c_in_the_calling_thread_cancels_only_that_job(make_sc, tmp_path):
    sc = make_sc("local[2]")
    beat = str(tmp_path / "beat")
    events = []

    class Ends(ev.SparkListener):
        def onJobEnd(self, e):
            events.append(e)

    sc.addSparkListener(Ends())
    threading.Thread(target=lambda: (_wait_for_file(beat), _thread.interrupt_main()), daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        sc.parallelize(range(2), 2).map(spin(beat)).collect()
    before_next = time.monotonic()
    assert sc.parallelize(range(10), 2).sum() == 45
    assert time.monotonic() - before_next < 1.0
    sc._bus.wait_until_empty()
    assert [e.succeeded for e in events] == [False, True]
    assert "KeyboardInterrupt" in events[0].error


def test_cancel_job_by_id(make_sc, tmp_path):
    sc = make_sc("local[2]")
    beat = str(tmp_path / "beat")
    jobs = []

    class Starts(ev.SparkListener):
        def onJobStart(self, e):
            jobs.append(e.job_id)

    sc.addSparkListener(Starts())
    threading.Thread(target=lambda: (_wait_for_file(beat), sc.cancelJob(jobs[-1])), daemon=True).start()
    with pytest.raises(JobCancelledError, match=r"Job \d+ cancelled"):
        sc.parallelize(range(2), 2).map(sleep_long(beat)).collect()


@pytest.mark.ray
def test_a_killed_task_stuck_in_c_code_costs_its_executor_after_the_kill_timeout(make_sc, ray_cluster, tmp_path):
    sc = make_sc("ray", spark_task_reaper_killTimeout="1s")
    beat = str(tmp_path / "beat")
    ran_on = {}

    class Starts(ev.SparkListener):
        def onTaskStart(self, e):
            ran_on[e.task_id] = e.executor_id

    sc.addSparkListener(Starts())
    threading.Thread(target=lambda: (_wait_for_file(beat), time.sleep(0.3), sc.cancelAllJobs()),
                     daemon=True).start()
    with pytest.raises(JobCancelledError):
        sc.parallelize(range(1), 1).map(blocked_in_c(beat)).collect()
    stuck_on = set(ran_on.values())
    deadline = time.monotonic() + 20
    while stuck_on & set(sc.getExecutorIds()) or len(sc.getExecutorIds()) < 2:
        assert time.monotonic() < deadline, f"executor {stuck_on} was not replaced: {sc.getExecutorIds()}"
        time.sleep(0.1)
    assert sc.parallelize(range(10), 2).sum() == 45


EXIT_SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from sparklite import SparkContext

    def spin(x):
        while True:
            pass

    sc = SparkContext(sys.argv[1], "exits")
    threading.Timer(1.0, sc.cancelAllJobs).start()
    try:
        sc.parallelize(range(2), 2).map(spin).collect()
    except Exception as e:
        print("CANCELLED", type(e).__name__, flush=True)
    print("NEXT", sc.parallelize(range(4), 2).sum(), flush=True)
    sc.stop()
    print("STOPPED", flush=True)
""")


@pytest.mark.parametrize("master", MASTERS)
def test_the_interpreter_exits_after_a_cancelled_job(master):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, master], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.split() == ["CANCELLED", "JobCancelledError", "NEXT", "6", "STOPPED"]


# -- nothing left behind ----------------------------------------------------------------------------

def _application_files(app_id: str, local_dir: str) -> list:
    roots = [local_dir, tempfile.gettempdir()] + (["/dev/shm"] if os.path.isdir("/dev/shm") else [])
    leftovers = [os.path.join(local_dir, name) for name in os.listdir(local_dir)] if os.path.isdir(local_dir) else []
    for root in roots:
        leftovers += glob.glob(os.path.join(root, f"sparklite-{app_id}-*"))
    return sorted(set(leftovers))


def test_nothing_of_the_application_is_left_on_disk_after_stop(make_sc, cancel_master, tmp_path):
    local_dir = str(tmp_path / "not-yet-made" / "local")     # Spark creates a missing local dir
    sc = make_sc(cancel_master, spark_local_dir=local_dir, spark_executor_memory="16m")
    app_id = sc.applicationId
    pairs = sc.parallelize(range(200_000), 4).map(lambda i: (i % 997, "v%07d" % i + "x" * 40))
    assert len(pairs.groupByKey().mapValues(len).collect()) == 997            # spills while grouping
    assert pairs.sortByKey().keys().take(2) == [0, 0]                          # spills while sorting
    cached = pairs.persist(StorageLevel.MEMORY_AND_DISK)                       # more than fits: on disk
    assert cached.count() == 200_000 and cached.count() == 200_000
    checkpointed = sc.parallelize(range(1000), 4).map(lambda x: x * 2)
    checkpointed.localCheckpoint()
    assert checkpointed.sum() == 999_000
    assert _application_files(app_id, local_dir) != []                         # it did use the disk
    sc.stop()
    assert _application_files(app_id, local_dir) == []


EXITS_WITHOUT_STOP = textwrap.dedent("""
    import sys
    from sparklite import SparkContext, StorageLevel
    sc = SparkContext("local[2]", "never-stopped", conf=None)
    pairs = sc.parallelize(range(20_000), 4).map(lambda i: (i % 97, i))
    assert len(pairs.groupByKey().collect()) == 97
    assert pairs.persist(StorageLevel.DISK_ONLY).count() == 20_000
    print(sc.applicationId, flush=True)
""")


def test_a_program_that_ends_without_stop_leaves_nothing_on_disk(tmp_path):
    # Spark's shutdown hook: the interpreter's exit stops a context the program forgot to stop.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", EXITS_WITHOUT_STOP], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    app_id = done.stdout.split()[-1]
    roots = [str(tmp_path)] + (["/dev/shm"] if os.path.isdir("/dev/shm") else [])
    assert [p for root in roots for p in glob.glob(os.path.join(root, f"sparklite-{app_id}-*"))] == []
    assert os.listdir(tmp_path) == []


@pytest.mark.ray
def test_a_killed_ray_executors_files_are_removed_on_a_cluster_sparklite_did_not_start(make_sc, ray_cluster,
                                                                                       tmp_path):
    # The session's Ray instance was started by the tests, not by this context: an executor killed
    # on this machine had no chance to clean up, so the driver removes what it wrote.
    import ray
    local_dir = str(tmp_path / "local")
    sc = make_sc("ray", spark_local_dir=local_dir, spark_executor_memory="16m")
    app_id = sc.applicationId
    pairs = sc.parallelize(range(100_000), 4).map(lambda i: (i % 97, "v%07d" % i + "x" * 40))
    cached = pairs.persist(StorageLevel.MEMORY_AND_DISK)
    assert cached.count() == 100_000
    victim = sorted(sc._backend.actors)[0]
    ray.kill(sc._backend.actors[victim])
    deadline = time.monotonic() + 30
    while victim in sc._backend.actors and time.monotonic() < deadline:
        time.sleep(0.1)
    assert victim not in sc._backend.actors
    assert not [path for path in _application_files(app_id, local_dir) if f"-{victim}-" in path]
    assert cached.count() == 100_000
    sc.stop()
    assert _application_files(app_id, local_dir) == []


STOP_DURING_REPLACEMENT = textwrap.dedent("""
    import glob, os, sys, tempfile, time
    import ray
    from sparklite import SparkContext

    sc = SparkContext("ray", "stops-while-replacing")
    app_id = sc.applicationId
    assert sc.parallelize(range(100), 4).cache().sum() == 4950
    ray.kill(sc._backend.actors["exec-1"])
    while "exec-1" in sc._backend.actors:
        time.sleep(0.05)
    sc.stop()                      # while the replacement executor starts
    print("STOPPED", glob.glob(os.path.join(tempfile.gettempdir(), "sparklite-" + app_id + "-*")), flush=True)
""")


@pytest.mark.ray
@pytest.mark.slow
def test_stop_while_a_lost_ray_executor_is_being_replaced_returns_and_exits(no_sc):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", STOP_DURING_REPLACEMENT], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.split() == ["STOPPED", "[]"], done.stdout + done.stderr[-3000:]


def test_a_context_that_fails_to_start_releases_what_it_started(no_sc):
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "sparklite-*")))
    threads = {t.ident for t in threading.enumerate()}
    conf = SparkConf().set("spark.executor.memory", "plenty")
    with pytest.raises(ValueError, match="spark.executor.memory"):
        SparkContext("local[2]", "fails", conf=conf)
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "sparklite-*"))) == before
    time.sleep(0.2)
    assert [t.name for t in threading.enumerate() if t.ident not in threads] == []
    assert SparkContext._active is None


FAILED_RAY_START = textwrap.dedent("""
    import ray
    from sparklite import SparkConf, SparkContext
    try:
        SparkContext("ray", "fails", conf=SparkConf().set("spark.memory.fraction", "most"))
    except Exception as e:
        print("FAILED", type(e).__name__, flush=True)
    print("RAY_RUNNING", ray.is_initialized(), flush=True)
""")


@pytest.mark.ray
def test_a_ray_context_that_fails_to_start_stops_the_ray_instance_it_started():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", FAILED_RAY_START], capture_output=True, text=True,
                          timeout=180, env=env)
    assert "FAILED" in done.stdout and "RAY_RUNNING False" in done.stdout, done.stdout + done.stderr[-3000:]


def test_shared_memory_of_a_killed_driver_is_freed_by_the_next_context(make_sc):
    import shutil
    from sparklite.core.context import _shared_memory_root
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = os.path.join(_shared_memory_root(), f"sparklite-local-1-driver-pid{gone.stdout.strip()}-x1y2")
    os.makedirs(orphan)
    with open(os.path.join(orphan, "rdd_0_0"), "wb") as f:
        f.write(b"left by a driver that was killed")
    try:
        make_sc("local[2]")
        assert not os.path.exists(orphan)
    finally:
        shutil.rmtree(orphan, ignore_errors=True)
