"""A deterministic cluster for scheduler tests: real ``Executor``s, a fake backend that only records
launched tasks, and a DAG scheduler driven synchronously. A test decides which launched task runs,
fails or is lost, one event at a time (the DAGSchedulerSuite way)."""
from __future__ import annotations

from operator import add

from sparklite.core.backends.base import Backend
from sparklite.core import listener as ev
from sparklite.core.conf import SparkConf
from sparklite.core.executor import Executor
from sparklite.core.scheduler.dag import DAGScheduler, ExecutorAdded, ExecutorLost, TaskEnded
from sparklite.core.scheduler.stages import TaskOutcome
from sparklite.core.storage.registry import BlockRegistry


class Recorder(ev.SparkListener):
    def __init__(self):
        self.events = []

    def __getattribute__(self, name):
        if name.startswith("on") and name != "events":
            return lambda e: object.__getattribute__(self, "events").append(e)
        return object.__getattribute__(self, name)


class FakeCluster(Backend):
    open_clusters: list = []      # closed after each test (tests/conftest.py): their executors' directories go

    def __init__(self, executors=("A", "B"), cores: int = 2, **conf):
        FakeCluster.open_clusters.append(self)
        self.conf = SparkConf(loadDefaults=False).setAll((k.replace("_", "."), v) for k, v in conf.items())
        self.launched: list = []      # (executor_id, TaskDescription) not yet finished
        self.killed: list = []
        self.executors = {e: Executor(e, cores, self.conf, fetch_remote=self._fetch) for e in executors}
        self.bus = ev.ListenerBus()
        self.recorder = Recorder()
        self.bus.add_listener(self.recorder, synchronous=True)
        self.registry = BlockRegistry()
        self.scheduler = DAGScheduler(self, self.bus, self.conf, self.registry)
        for e in executors:
            self.scheduler.post(ExecutorAdded(e, cores))
        self.scheduler.run_until_idle()

    def close(self) -> None:
        for executor in self.executors.values():
            executor.stop()

    # the backend interface the scheduler calls
    def executor_ids(self) -> list:
        return list(self.executors)

    def launch(self, executor_id, task):
        self.launched.append((executor_id, task))

    def kill(self, executor_id, task_id):
        self.killed.append(task_id)

    def _fetch(self, executor_id, block_id, reduce_id):
        executor = self.executors.get(executor_id)
        return None if executor is None else executor.block_store.get_segment(block_id, reduce_id)

    # driving
    def submit(self, rdd, func=list, partitions=None):
        partitions = list(range(rdd.getNumPartitions())) if partitions is None else partitions
        waiter = self.scheduler.submit_job(rdd, func, partitions, {})
        self.scheduler.run_until_idle()
        return waiter

    def take_launched(self, predicate=lambda executor_id, task: True):
        for i, (executor_id, task) in enumerate(self.launched):
            if predicate(executor_id, task):
                return self.launched.pop(i)
        raise AssertionError("no launched task matches")

    def run_one(self, predicate=lambda executor_id, task: True):
        executor_id, task = self.take_launched(predicate)
        outcome = self.executors[executor_id].run_task(task)
        self.scheduler.post(TaskEnded(executor_id, outcome))
        self.scheduler.run_until_idle()
        return executor_id, task, outcome

    def fail_one(self, predicate=lambda executor_id, task: True, error=None):
        executor_id, task = self.take_launched(predicate)
        error = error or RuntimeError("injected failure")
        outcome = TaskOutcome(task.task_id, "exception", error=error, error_text=f"{type(error).__name__}: {error}")
        self.scheduler.post(TaskEnded(executor_id, outcome))
        self.scheduler.run_until_idle()
        return executor_id, task

    def run_all(self, limit: int = 10_000):
        ran = []
        while self.launched and limit:
            ran.append(self.run_one())
            limit -= 1
        return ran

    def lose_executor(self, executor_id: str):
        self.executors.pop(executor_id).stop()   # its blocks go with it
        self.launched = [(e, t) for e, t in self.launched if e != executor_id]
        self.scheduler.post(ExecutorLost(executor_id, "lost in test"))
        self.scheduler.run_until_idle()

    def events(self, kind):
        return [e for e in self.recorder.events if isinstance(e, kind)]


def word_pairs(sc, partitions: int = 4):
    words = ["a", "b", "c", "d", "e", "f"] * 10
    return sc.parallelize(words, partitions).map(lambda w: (w, 1))


def counts(rdd):
    return rdd.reduceByKey(add)
