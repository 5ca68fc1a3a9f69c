"""Barrier execution mode: a stage whose tasks all start together and can wait for one another.

Contract (PySpark's ``rdd.barrier()``):
* ``rdd.barrier().mapPartitions(f)`` (or ``mapPartitionsWithIndex``) makes an RDD whose stage is a
  barrier stage: every RDD of the stage that depends on it, through narrow dependencies, is in it.
* The scheduler gang-schedules a barrier stage: its tasks are launched only when there is a free
  slot for every one of them; a stage needing more slots than the cluster has fails at once with
  Spark's SPARK-24819 error naming both counts. A barrier stage may not contain RDDs with another
  partition count (``union``, ``coalesce``), run on a subset of partitions (``take``, ``first``),
  or depend on two barrier RDDs (``zip``): Spark's SPARK-24820/24821 error.
* Any task failure fails the whole stage attempt and kills its other tasks; a shuffle-map barrier
  stage is resubmitted whole (up to ``spark.stage.maxConsecutiveAttempts``), a result stage is not
  (its finished tasks may have written output), as in Spark.
* Inside a task, ``BarrierTaskContext.get()`` returns the task's context: ``barrier()`` waits until
  every task of the stage attempt has called it, ``allGather(message)`` also returns every task's
  message ordered by partition, ``getTaskInfos()`` the address of each task's executor. The
  ``BarrierCoordinator`` on the driver (or, on Ray, in an actor) pairs the calls: the n-th call of
  every task forms the n-th sync, which must be of one kind and completes within
  ``spark.barrier.sync.timeout``. The scheduler tells it when a stage attempt begins and ends; a
  call for an attempt that ended fails at once, and nothing of an attempt stays after it ends.
"""
from __future__ import annotations

import threading
import time

from sparklite.core.errors import PySparkRuntimeError, PySparkTypeError, SparkJobError
from sparklite.core.lineage import ancestors
from sparklite.core.taskcontext import TaskContext

SLOTS_ERROR = ("[SPARK-24819]: Barrier execution mode does not allow run a barrier stage that requires more slots "
               "than the total number of slots in the cluster currently. Please init a new cluster with more "
               "resources(e.g. CPU, GPU) or repartition the input RDD(s) to reduce the number of slots required to "
               "run this barrier stage.")
CHAIN_ERROR = ("[SPARK-24820][SPARK-24821]: Barrier execution mode does not allow the following pattern of RDD chain "
               "within a barrier stage:\n1. Ancestor RDDs that have different number of partitions from the resulting "
               "RDD (e.g. union()/coalesce()/first()/take()/PartitionPruningRDD). A workaround for first()/take() can "
               "be barrierRdd.collect().head (scala) or barrierRdd.collect()[0] (python).\n2. An RDD that depends on "
               "multiple barrier RDDs (e.g. barrierRdd1.zip(barrierRdd2)).")


class BarrierJobSlotsNumberCheckFailed(SparkJobError):
    pass


class BarrierJobUnsupportedRDDChainException(SparkJobError):
    pass


class RDDBarrier:
    """Wraps an RDD in a barrier stage (``rdd.barrier()``)."""

    def __init__(self, rdd):
        self.rdd = rdd

    def mapPartitions(self, f, preservesPartitioning: bool = False):
        return self.mapPartitionsWithIndex(lambda _, iterator: f(iterator), preservesPartitioning)

    def mapPartitionsWithIndex(self, f, preservesPartitioning: bool = False):
        rdd = self.rdd._kinds.MapPartitionsRDD(self.rdd, f, preservesPartitioning)
        rdd._barrier = True
        return rdd


def stage_is_barrier(rdd) -> bool:
    """Whether any RDD of the stage ending at ``rdd`` (narrow dependencies only) is a barrier RDD."""
    return bool(barrier_rdds(rdd))


def barrier_rdds(rdd) -> list:
    return [r for r in ancestors(rdd) if getattr(r, "_barrier", False)]


def check_chain(rdd, partitions: list | None) -> None:
    """Spark's checks of what a barrier stage may contain (SPARK-24820/24821)."""
    from sparklite.core.dependencies import ShuffleDependency
    n = rdd.getNumPartitions()
    if partitions is not None and len(partitions) != n:
        raise BarrierJobUnsupportedRDDChainException(CHAIN_ERROR)
    for r in ancestors(rdd):
        parents = [d.rdd for d in r.dependencies if not isinstance(d, ShuffleDependency)]
        if r.getNumPartitions() != n or sum(1 for p in parents if stage_is_barrier(p)) > 1:
            raise BarrierJobUnsupportedRDDChainException(CHAIN_ERROR)


class BarrierTaskInfo:
    """Where one task of a barrier stage runs (``address`` is ``host:executor``)."""

    def __init__(self, address: str):
        self.address = address

    def __repr__(self) -> str:
        return f"BarrierTaskInfo({self.address!r})"


class BarrierTaskContext(TaskContext):
    """The context of a task in a barrier stage: a ``TaskContext`` that can also wait for the
    other tasks of its stage (``barrier``), exchange a string with them (``allGather``) and tell
    where each of them runs (``getTaskInfos``).

    The tasks of a barrier stage all start together; each must make the same sequence of
    ``barrier``/``allGather`` calls, since the n-th call of every task is matched with the n-th
    call of the others. A call that is not matched within ``spark.barrier.sync.timeout`` fails.

    Example::

        def train(iterator):
            ctx = BarrierTaskContext.get()
            ctx.barrier()                  # every task has started and got here
            return iter([ctx.partitionId()])

        sc.parallelize(range(8), 2).barrier().mapPartitions(train).collect()
    """

    def _init_barrier(self, num_tasks: int, addresses: list, sync) -> None:
        self._num_tasks = num_tasks
        self._addresses = list(addresses)
        self._sync = sync         # (stage key, partition, num tasks, epoch, kind, message) -> messages
        self._epoch = 0

    @classmethod
    def get(cls) -> "BarrierTaskContext":
        """The context of the barrier task running in this thread.

        Raises ``PySparkRuntimeError`` (``NOT_IN_BARRIER_STAGE``) when called outside a task of a
        barrier stage, including on the driver.
        """
        context = TaskContext.get()
        if not isinstance(context, BarrierTaskContext):
            raise PySparkRuntimeError(errorClass="NOT_IN_BARRIER_STAGE")
        return context

    def _call(self, kind: str, message: str) -> list:
        epoch, self._epoch = self._epoch, self._epoch + 1
        return self._sync((self._stage_id, self._stage_attempt), self._partition_id, self._num_tasks, epoch,
                          kind, message)

    def barrier(self) -> None:
        """Block until every task of this stage attempt has reached its matching ``barrier()``.

        Raises ``RuntimeError`` if the others do not all arrive within
        ``spark.barrier.sync.timeout``, if another task made an ``allGather`` call at the same
        point, or if the stage attempt ends (a task failed) while this one waits.
        """
        self._call("BARRIER", "")

    def allGather(self, message: str = "") -> list:
        """Like ``barrier()``, but each task also contributes ``message`` (a ``str``).

        Returns the list of every task's message, ordered by partition id, the same list in every
        task. Raises ``PySparkTypeError`` if ``message`` is not a string, and ``RuntimeError`` in
        the cases ``barrier()`` does.

        Example: ``ports = BarrierTaskContext.get().allGather(str(my_port))``
        """
        if not isinstance(message, str):
            raise PySparkTypeError("Argument `message` must be of type `str`")
        return self._call("ALL_GATHER", message)

    def getTaskInfos(self) -> list:
        """One ``BarrierTaskInfo`` per task of the stage, ordered by partition id; its ``address``
        (``host:executor``) says where that task runs."""
        return [BarrierTaskInfo(address) for address in self._addresses]


class CoordinatedInDriver:
    """For backends on this machine whose barrier coordinator (``self.coordinator``) is in the driver."""

    def begin_barrier(self, key: tuple) -> None:
        self.coordinator.begin(key)

    def end_barrier(self, key: tuple) -> None:
        self.coordinator.end(key)


class BarrierCoordinator:
    """Pairs the barrier calls of a stage attempt's tasks (Spark's ``BarrierCoordinator``)."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._live: set[tuple] = set()          # stage attempts running now: (stage id, attempt)
        self._syncs: dict[tuple, dict] = {}     # (stage key, epoch) -> the sync being gathered
        self._cond = threading.Condition()

    def begin(self, key: tuple) -> None:
        """A barrier stage attempt is about to launch its tasks."""
        with self._cond:
            self._live.add(key)

    def sync(self, key: tuple, partition: int, num_tasks: int, epoch: int, kind: str, message: str) -> list:
        deadline = time.monotonic() + self.timeout
        with self._cond:
            if key not in self._live:      # the attempt ended before this task got here
                raise RuntimeError(f"barrier stage {key[0]} (attempt {key[1]}) is not running")
            sync = self._syncs.setdefault((key, epoch), {"kinds": [], "messages": {}, "result": None, "error": None,
                                                         "waiting": 0})
            if kind not in sync["kinds"]:
                sync["kinds"].append(kind)
            if len(sync["kinds"]) > 1 and sync["error"] is None:
                sync["error"] = (f"Different barrier sync types found for the sync Stage {key[0]} (Attempt {key[1]}): "
                                 f"{', '.join(sync['kinds'])}. Please use the same barrier sync type within a single "
                                 f"sync.")
            sync["messages"][partition] = message
            if len(sync["messages"]) == num_tasks and sync["error"] is None:
                sync["result"] = [sync["messages"][p] for p in sorted(sync["messages"])]
            self._cond.notify_all()
            sync["waiting"] += 1
            try:
                while sync["result"] is None and sync["error"] is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        sync["error"] = (f"The coordinator didn't get all barrier sync requests for barrier epoch "
                                         f"{epoch} from Stage {key[0]} (Attempt {key[1]}) within "
                                         f"{self.timeout:g} second(s).")
                        self._cond.notify_all()
                        break
                    self._cond.wait(min(left, 1.0))
            finally:
                sync["waiting"] -= 1
                if sync["waiting"] == 0 and (sync["result"] is not None or sync["error"] is not None):
                    self._syncs.pop((key, epoch), None)
            if sync["error"] is not None:
                raise RuntimeError(sync["error"])
            return sync["result"]

    def end(self, key: tuple) -> None:
        """A stage attempt ended: tasks still waiting in one of its syncs fail; nothing of it is kept."""
        with self._cond:
            self._live.discard(key)
            for sync_key in [k for k in self._syncs if k[0] == key]:
                sync = self._syncs.pop(sync_key)
                if sync["result"] is None and sync["error"] is None:
                    sync["error"] = f"barrier stage {key[0]} (attempt {key[1]}) ended"
            self._cond.notify_all()

    def pending(self) -> int:
        """Syncs being gathered and stage attempts running (both 0 when no barrier stage runs)."""
        with self._cond:
            return len(self._syncs) + len(self._live)
