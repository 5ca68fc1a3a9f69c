"""PySpark-style unittest cases (the way PySpark's own core tests are written: a TestCase class per
feature with its own context), for behaviours a PySpark user's tests depend on: the Python
profiler, ``addPyFile`` of ``.py``, ``.zip`` and ``.egg`` files, the driver-only SparkContext, task
resources, prefetching ``toLocalIterator`` and configuration given outside the program."""
from __future__ import annotations

import io
import os
import pstats
import shutil
import sys
import tempfile
import textwrap
import unittest
import zipfile
from contextlib import redirect_stdout

import pytest

from sparklite import BasicProfiler, SparkConf, SparkContext, TaskContext
from sparklite.core import conf as conf_module
from sparklite.core import listener as ev
from sparklite.errors import PySparkRuntimeError


def _no_active_context():
    if SparkContext._active is not None:
        SparkContext._active.stop()


class ReusedContextTestCase(unittest.TestCase):
    master = "local[2]"
    conf_pairs: dict = {}

    @classmethod
    def setUpClass(cls):
        _no_active_context()
        cls.sc = SparkContext(cls.master, cls.__name__, conf=SparkConf().setAll(cls.conf_pairs.items()))

    @classmethod
    def tearDownClass(cls):
        cls.sc.stop()


# -- the profiler -----------------------------------------------------------------------------------

class ProfilerTests(ReusedContextTestCase):
    conf_pairs = {"spark.python.profile": "true"}

    def test_profiles_add_up_over_jobs_and_show_once(self):
        def plus_one(x):
            return x + 1

        rdd = self.sc.parallelize(range(4), 2).map(plus_one)
        for _ in range(3):
            rdd.collect()
        out = io.StringIO()
        with redirect_stdout(out):
            self.sc.show_profiles()
        text = out.getvalue()
        self.assertIn("=" * 60 + "\nProfile of RDD<id=%d>\n" % rdd.id() + "=" * 60, text)
        self.assertIn("Ordered by: internal time, cumulative time", text)
        line = next(line for line in text.splitlines() if "(plus_one)" in line)
        self.assertEqual(line.split()[0], "12")          # 4 records x 3 jobs
        again = io.StringIO()
        with redirect_stdout(again):
            self.sc.show_profiles()
        self.assertEqual(again.getvalue(), "")

    def test_dump_profiles_writes_pstats_files(self):
        rdd = self.sc.parallelize(range(10), 2).map(lambda x: x * 2)
        rdd.count()
        target = tempfile.mkdtemp()
        try:
            self.sc.dump_profiles(target)
            name = "rdd_%d.pstats" % rdd.id()
            self.assertIn(name, os.listdir(target))
            stats = pstats.Stats(os.path.join(target, name))
            self.assertGreater(stats.total_calls, 0)
        finally:
            shutil.rmtree(target)


class CustomProfiler(BasicProfiler):
    def show(self, id):
        print("custom profile of", id)


class CustomProfilerTests(unittest.TestCase):
    def test_profiler_cls(self):
        _no_active_context()
        sc = SparkContext("local[2]", "custom", conf=SparkConf().set("spark.python.profile", "true"),
                          profiler_cls=CustomProfiler)
        try:
            rdd = sc.parallelize(range(4), 2).map(lambda x: x)
            rdd.collect()
            out = io.StringIO()
            with redirect_stdout(out):
                sc.show_profiles()
            self.assertEqual(out.getvalue().strip(), "custom profile of %d" % rdd.id())
        finally:
            sc.stop()


class ProfilerOffTests(ReusedContextTestCase):
    def test_show_and_dump_raise_when_profiling_is_off(self):
        for call in (self.sc.show_profiles, lambda: self.sc.dump_profiles("/nonexistent")):
            with self.assertRaises(PySparkRuntimeError) as raised:
                call()
            self.assertEqual(raised.exception.getCondition(), "INCORRECT_CONF_FOR_PROFILE")
            self.assertEqual(str(raised.exception),
                             "[INCORRECT_CONF_FOR_PROFILE] `spark.python.profile` or `spark.python.profile.memory` "
                             "configuration\n must be set to `true` to enable Python profile.")


# -- addPyFile ----------------------------------------------------------------------------------------

def _archive(path: str, package: str, value: int) -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{package}/__init__.py", f"VALUE = {value}\n")
    return path


class AddPyFileTests(ReusedContextTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def _import_in_task(self, module: str):
        def use(_):
            import importlib
            return importlib.import_module(module).VALUE
        return self.sc.parallelize(range(2), 2).map(use).collect()

    def test_add_py_file(self):
        path = os.path.join(self.dir, "sl_userlib_py.py")
        with open(path, "w") as f:
            f.write("VALUE = 7\n")
        self.sc.addPyFile(path)
        self.assertEqual(self._import_in_task("sl_userlib_py"), [7, 7])

    def test_add_zip_file(self):
        self.sc.addPyFile(_archive(os.path.join(self.dir, "deps.zip"), "sl_userlib_zip", 11))
        self.assertEqual(self._import_in_task("sl_userlib_zip"), [11, 11])
        import sl_userlib_zip                      # and on the driver
        self.assertEqual(sl_userlib_zip.VALUE, 11)

    def test_add_egg_file(self):
        self.sc.addPyFile(_archive(os.path.join(self.dir, "deps.egg"), "sl_userlib_egg", 13))
        self.assertEqual(self._import_in_task("sl_userlib_egg"), [13, 13])


# -- the driver-only context, cpus --------------------------------------------------------------------

class DriverOnlyTests(ReusedContextTestCase):
    def test_a_context_created_in_a_task_raises_pysparks_error(self):
        with self.assertRaises(Exception) as raised:
            self.sc.parallelize([1]).map(lambda x: SparkContext("local", "inside")).collect()
        cause = raised.exception.__cause__
        self.assertIsInstance(cause, PySparkRuntimeError)
        self.assertEqual(cause.getCondition(), "CONTEXT_ONLY_VALID_ON_DRIVER")
        self.assertTrue(str(cause).startswith("[CONTEXT_ONLY_VALID_ON_DRIVER] It appears that you are attempting"))
        self.assertIn("SPARK-5063", str(cause))

    def test_task_cpus_is_spark_task_cpus(self):
        self.assertEqual(self.sc.parallelize(range(2), 2).map(lambda _: TaskContext.get().cpus()).collect(), [1, 1])


class TaskCpusTests(ReusedContextTestCase):
    master = "local[4]"
    conf_pairs = {"spark.task.cpus": "2"}

    def test_two_cpus_per_task(self):
        sc = self.sc
        self.assertEqual(sc.parallelize(range(2), 2).map(lambda _: TaskContext.get().cpus()).collect(), [2, 2])


# -- toLocalIterator ----------------------------------------------------------------------------------

class JobCounter(ev.SparkListener):
    def __init__(self):
        self.starts = 0

    def onJobStart(self, event):
        self.starts += 1


class ToLocalIteratorTests(ReusedContextTestCase):
    def _jobs_after_each_record(self, prefetch: bool) -> list:
        counter = JobCounter()
        self.sc.addSparkListener(counter)
        try:
            rdd = self.sc.parallelize(range(8), 4)
            seen = []
            for _ in rdd.toLocalIterator(prefetchPartitions=prefetch):
                self.sc._scheduler.call(lambda: None)    # jobs submitted so far have started
                self.sc._bus.wait_until_empty()
                seen.append(counter.starts)
            return seen
        finally:
            self.sc.removeSparkListener(counter)

    def test_one_job_per_partition_on_demand(self):
        self.assertEqual(self._jobs_after_each_record(False), [1, 1, 2, 2, 3, 3, 4, 4])

    def test_prefetch_runs_the_next_partition_ahead(self):
        self.assertEqual(self._jobs_after_each_record(True), [2, 2, 3, 3, 4, 4, 4, 4])


# -- configuration from outside the program -------------------------------------------------------------

class OutsideConfigurationTests(unittest.TestCase):
    def setUp(self):
        self.saved_properties = dict(conf_module._system_properties)
        self.saved_environ = dict(os.environ)

    def tearDown(self):
        conf_module._system_properties.clear()
        conf_module._system_properties.update(self.saved_properties)
        os.environ.clear()
        os.environ.update(self.saved_environ)

    def test_system_property_keeps_the_keys_case(self):
        SparkContext.setSystemProperty("spark.driver.maxResultSize", "1k")
        self.assertEqual(SparkContext.getSystemProperty("spark.driver.maxResultSize"), "1k")
        self.assertEqual(SparkConf().get("spark.driver.maxResultSize"), "1k")
        _no_active_context()
        sc = SparkContext("local[2]", "max-result")
        try:
            with self.assertRaises(Exception) as raised:
                sc.parallelize(range(10_000), 2).collect()
            self.assertIn("spark.driver.maxResultSize", str(raised.exception))
        finally:
            sc.stop()

    def test_environment_keys_find_their_case(self):
        os.environ["SPARKLITE_CONF_SPARK_DRIVER_MAXRESULTSIZE"] = "2k"
        os.environ["SPARKLITE_CONF_spark.myApp.someSetting"] = "kept"
        os.environ["SPARKLITE_CONF_SPARK_MY_THING"] = "unknown"
        conf = SparkConf()
        self.assertEqual(conf.get("spark.driver.maxResultSize"), "2k")
        self.assertEqual(conf.get("spark.myApp.someSetting"), "kept")
        self.assertEqual(conf.get("spark.my.thing"), "unknown")

    def test_a_malformed_key_is_named(self):
        with self.assertRaisesRegex(ValueError, r"Malformed configuration key 'spark\.\.bad'"):
            SparkContext.setSystemProperty("spark..bad", "x")
        os.environ["SPARKLITE_CONF_spark.a..b"] = "x"
        with self.assertLogs("sparklite.conf", "WARNING") as logged:
            conf = SparkConf()
        self.assertIn("SPARKLITE_CONF_spark.a..b", logged.output[0])
        self.assertIsNone(conf.get("spark.a..b"))


# -- barrier execution mode ---------------------------------------------------------------------------

def _gather_partition_ids(iterator):
    from sparklite.core.barrier import BarrierTaskContext
    context = BarrierTaskContext.get()
    if context.partitionId() == 0:      # arrive last: the answer is still in partition order
        import time
        time.sleep(0.3)
    context.barrier()
    messages = context.allGather("from-%d" % context.partitionId())
    return [(context.partitionId(), messages, len(context.getTaskInfos()))]


class BarrierTests(ReusedContextTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_barrier_and_all_gather(self):
        result = self.sc.parallelize(range(4), 2).barrier().mapPartitions(_gather_partition_ids).collect()
        self.assertEqual(result, [(0, ["from-0", "from-1"], 2), (1, ["from-0", "from-1"], 2)])

    def test_a_barrier_map_stage_before_a_shuffle(self):
        rdd = self.sc.parallelize(range(4), 2).barrier().mapPartitions(lambda it: it)
        self.assertTrue(rdd.isBarrier())
        self.assertEqual(sorted(rdd.map(lambda x: (x % 2, x)).reduceByKey(lambda a, b: a + b).collect()),
                         [(0, 2), (1, 4)])

    def test_a_stage_needing_more_slots_than_the_cluster_fails_at_once(self):
        import time
        from sparklite.core.barrier import BarrierJobSlotsNumberCheckFailed
        started = time.monotonic()
        with self.assertRaises(BarrierJobSlotsNumberCheckFailed) as raised:
            self.sc.parallelize(range(8), 8).barrier().mapPartitions(lambda it: it).collect()
        self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(str(raised.exception).startswith("[SPARK-24819]"))
        self.assertIn("needs 8 slots; the cluster has 2", str(raised.exception))

    def test_unsupported_rdd_chains(self):
        from sparklite.core.barrier import BarrierJobUnsupportedRDDChainException
        barrier_rdd = self.sc.parallelize(range(4), 2).barrier().mapPartitions(lambda it: it)
        for run in (lambda: barrier_rdd.take(1),
                    lambda: self.sc.parallelize(range(4), 4).coalesce(2).barrier().mapPartitions(lambda it: it).collect(),
                    lambda: barrier_rdd.zip(barrier_rdd.map(lambda x: x)).collect()):
            with self.assertRaises(BarrierJobUnsupportedRDDChainException) as raised:
                run()
            self.assertTrue(str(raised.exception).startswith("[SPARK-24820][SPARK-24821]"))

    def test_a_failed_result_stage_is_not_retried(self):
        def fail_one(iterator):
            from sparklite.core.barrier import BarrierTaskContext
            context = BarrierTaskContext.get()
            if context.partitionId() == 1:
                raise ValueError("boom")
            context.barrier()     # the other task waits here until the stage attempt is failed
            return iterator

        with self.assertRaises(Exception) as raised:
            self.sc.parallelize(range(4), 2).barrier().mapPartitions(fail_one).collect()
        self.assertIn("Could not recover from a failed barrier ResultStage", str(raised.exception))
        self.assertIsInstance(raised.exception.__cause__, ValueError)
        self.assertEqual(self.sc.parallelize(range(4), 2).sum(), 6)      # the slots are free again
        coordinator = getattr(self.sc._backend, "coordinator", None)
        if coordinator is not None:
            self.assertEqual(coordinator.pending(), 0)                   # nothing kept of the failed stage

    def test_a_failed_map_stage_runs_again_whole(self):
        marks = self.dir

        def fail_first_attempt(iterator):
            from sparklite.core.barrier import BarrierTaskContext
            context = BarrierTaskContext.get()
            partition = context.partitionId()
            with open(os.path.join(marks, "run-%d" % partition), "a") as f:
                f.write(".")
            if partition == 1 and not os.path.exists(os.path.join(marks, "failed")):
                import time
                deadline = time.time() + 30          # fail only once the other task of the attempt runs
                while not os.path.exists(os.path.join(marks, "run-0")) and time.time() < deadline:
                    time.sleep(0.01)
                open(os.path.join(marks, "failed"), "w").close()
                raise ValueError("first attempt fails")
            context.barrier()
            return iterator

        rdd = self.sc.parallelize(range(4), 2).barrier().mapPartitions(fail_first_attempt)
        self.assertEqual(sorted(rdd.map(lambda x: (x % 2, x)).reduceByKey(lambda a, b: a + b).collect()),
                         [(0, 2), (1, 4)])
        runs = [os.path.getsize(os.path.join(marks, "run-%d" % p)) for p in (0, 1)]
        self.assertEqual(runs, [2, 2])       # both tasks ran in both attempts

    def test_all_tasks_start_together(self):
        import threading
        import time
        release = os.path.join(self.dir, "release")

        def hold_one_slot(_):
            while not os.path.exists(release):
                time.sleep(0.01)
            return 0

        blocker = threading.Thread(target=lambda: self.sc.parallelize([0], 1).map(hold_one_slot).collect())
        blocker.start()
        time.sleep(0.5)      # one of the two slots is taken
        threading.Timer(1.0, lambda: open(release, "w").close()).start()

        def started(iterator):
            return [time.time()]

        begun = time.time()
        starts = self.sc.parallelize(range(2), 2).barrier().mapPartitions(started).collect()
        blocker.join()
        self.assertLess(max(starts) - min(starts), 0.5)
        self.assertGreater(min(starts) - begun, 0.5)     # neither started while a slot was taken

    def test_get_outside_a_barrier_stage(self):
        from sparklite.core.barrier import BarrierTaskContext

        def get(_):
            try:
                BarrierTaskContext.get()
            except PySparkRuntimeError as e:
                return str(e)

        self.assertEqual(self.sc.parallelize([1], 1).map(get).collect(),
                         ["[NOT_IN_BARRIER_STAGE] It is not in a barrier stage."])

    def test_mixing_barrier_and_all_gather_in_one_sync_fails(self):
        def mixed(iterator):
            from sparklite.core.barrier import BarrierTaskContext
            context = BarrierTaskContext.get()
            if context.partitionId() == 0:
                context.barrier()
            else:
                context.allGather("x")
            return iterator

        with self.assertRaises(Exception) as raised:
            self.sc.parallelize(range(2), 2).barrier().mapPartitions(mixed).collect()
        self.assertIn("Different barrier sync types found", str(raised.exception.__cause__))


class LocalClusterBarrierTests(BarrierTests):
    master = "local-cluster[2,1,512]"


@pytest.mark.ray
class RayBarrierTests(BarrierTests):
    master = "ray"
    conf_pairs = {"spark.executor.instances": "2"}

    @classmethod
    def setUpClass(cls):
        from tests.conftest import ensure_ray
        ensure_ray()
        super().setUpClass()


# -- custom resources -----------------------------------------------------------------------------------

def _discovery_script(directory: str, name: str, addresses: list) -> str:
    import json
    path = os.path.join(directory, f"discover-{name}.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho '%s'\n" % json.dumps({"name": name, "addresses": addresses}))
    os.chmod(path, 0o755)
    return path


class ResourceTests(unittest.TestCase):
    def setUp(self):
        _no_active_context()
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        _no_active_context()
        shutil.rmtree(self.dir)

    def test_driver_and_task_resources(self):
        script = _discovery_script(self.dir, "gpu", ["0", "1"])
        conf = SparkConf().setAll([("spark.driver.resource.gpu.amount", "1"),
                                   ("spark.driver.resource.gpu.discoveryScript", script),
                                   ("spark.executor.resource.gpu.amount", "2"),
                                   ("spark.executor.resource.gpu.discoveryScript", script),
                                   ("spark.task.resource.gpu.amount", "1")])
        sc = SparkContext("local[4]", "resources", conf=conf)
        self.assertEqual(list(sc.resources), ["gpu"])
        self.assertEqual(sc.resources["gpu"].name, "gpu")
        self.assertEqual(sc.resources["gpu"].addresses, ["0"])

        def gpu_of_task(_):
            import time
            info = TaskContext.get().resources()["gpu"]
            time.sleep(0.2)
            return info.name, tuple(info.addresses)

        seen = sc.parallelize(range(2), 2).map(gpu_of_task).collect()
        self.assertEqual(sorted(seen), [("gpu", ("0",)), ("gpu", ("1",))])   # two tasks at once, one GPU each
        # two GPUs: at most two of four tasks run at once, however many cores
        self.assertEqual(sc._scheduler.call(lambda: {e: s.slots for e, s in sc._scheduler.tasks.executors.items()}), {"driver": 2})

    def test_a_resource_without_a_discovery_script(self):
        conf = SparkConf().set("spark.driver.resource.gpu.amount", "1")
        with self.assertRaisesRegex(ValueError, "User is expecting to use resource: gpu, but didn't specify a "
                                                "discovery script!"):
            SparkContext("local[2]", "resources", conf=conf)

    def test_a_task_resource_needs_an_executor_resource(self):
        conf = SparkConf().set("spark.task.resource.gpu.amount", "1")
        with self.assertRaisesRegex(ValueError, "No executor resource configs were specified for the following "
                                                "task configs: gpu"):
            SparkContext("local[2]", "resources", conf=conf)

    def test_no_resources(self):
        sc = SparkContext("local[2]", "resources")
        self.assertEqual(sc.resources, {})
        self.assertEqual(sc.parallelize([1], 1).map(lambda _: TaskContext.get().resources()).collect(), [{}])


# -- a task that ends its process ----------------------------------------------------------------------

def _exit_in_first_attempt(iterator):
    context = TaskContext.get()
    if context.attemptNumber() == 0 and context.partitionId() == 1:
        os._exit(3)
    return iterator


class RemovalLog(ev.SparkListener):
    def __init__(self):
        self.removed = []

    def onExecutorRemoved(self, event):
        self.removed.append(event)


class LocalClusterTests(ReusedContextTestCase):
    master = "local-cluster[2,1,512]"

    def test_an_executor_that_exits_in_a_task_is_replaced_and_its_task_retried(self):
        log = RemovalLog()
        self.sc.addSparkListener(log)
        try:
            self.assertEqual(self.sc.parallelize(range(10), 2).mapPartitions(_exit_in_first_attempt).sum(), 45)
            self.sc._bus.wait_until_empty()
            self.assertEqual(len(log.removed), 1)
            self.assertIn("exit code 3", log.removed[0].reason)
        finally:
            self.sc.removeSparkListener(log)
        import time
        deadline = time.monotonic() + 20
        while len(self.sc.getExecutorIds()) < 2:       # a new executor took its place
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertNotIn(log.removed[0].executor_id, self.sc.getExecutorIds())

    def test_executors_have_their_own_block_stores_and_read_each_others(self):
        cached = self.sc.parallelize(range(1000), 4).map(lambda x: (x % 10, x)).cache()
        self.assertEqual(cached.count(), 1000)
        holders = {row["executor"] for row in self.sc.getBlockStatus() if row["kind"] == "rdd"}
        self.assertEqual(holders, set(self.sc.getExecutorIds()))
        sums = dict(cached.reduceByKey(lambda a, b: a + b).collect())
        self.assertEqual(sums, {k: sum(range(k, 1000, 10)) for k in range(10)})
        cached.unpersist()


class PythonWorkerCrashTests(unittest.TestCase):
    def tearDown(self):
        _no_active_context()

    def test_a_task_that_ends_its_worker_fails_only_the_task(self):
        _no_active_context()
        sc = SparkContext("local[2]", "worker-crash")
        with self.assertRaises(Exception) as raised:
            sc.parallelize(range(10), 2).mapPartitions(_exit_in_first_attempt).sum()
        self.assertIn("Python worker exited unexpectedly (exit code 3)", str(raised.exception))
        self.assertEqual(sc.parallelize(range(10), 2).sum(), 45)          # the program goes on

    def test_with_retries_the_task_runs_again_on_a_new_worker(self):
        _no_active_context()
        sc = SparkContext("local[2,2]", "worker-crash-retried")
        self.assertEqual(sc.parallelize(range(10), 2).mapPartitions(_exit_in_first_attempt).sum(), 45)


class NativeThreadsTests(unittest.TestCase):
    """As PySpark sets OMP_NUM_THREADS for its Python workers: spark.task.cpus threads, unless the
    executor environment says otherwise."""

    def tearDown(self):
        _no_active_context()

    def _in_task(self, master: str, **conf) -> list:
        _no_active_context()
        sc = SparkContext(master, "threads", conf=SparkConf().setAll(conf.items()))
        return sc.parallelize([0], 1).map(lambda _: os.environ.get("OMP_NUM_THREADS")).collect()

    def test_one_thread_per_task_cpu(self):
        self.assertEqual(self._in_task("local[2]"), ["1"])
        self.assertEqual(self._in_task("local-cluster[1,2,256]", **{"spark.task.cpus": "2"}), ["2"])

    def test_the_executor_environment_wins(self):
        self.assertEqual(self._in_task("local[2]", **{"spark.executorEnv.OMP_NUM_THREADS": "3"}), ["3"])
