"""RDD: an immutable, partitioned collection described by its lineage.

Contract: an RDD knows its partition count, its dependencies on parent RDDs and how to compute one
partition (``compute``, defined by the kinds in ``rdds.py``). Transformations return new RDDs and
run nothing; actions (``rdd_actions.py``) call ``SparkContext.runJob``. ``iterator(split, context)``
is the one way a task reads a partition: it serves a checkpointed copy, then a cached block from
the executor's block store (computing and storing it on a miss), and only then computes.
Pair-RDD operations live in ``rdd_pairs.py``; both are mixed into ``RDD`` here so users see the one
PySpark class.

An RDD is pickled only into task binaries (see ``scheduler.taskbinary``); pickling one from a user's
closure raises, as in PySpark, because an RDD is only meaningful on the driver.
"""
from __future__ import annotations

import itertools
import os
import shlex
import subprocess
import sys
import threading

from sparklite.core.errors import RDD_IN_CLOSURE_MESSAGE
from sparklite.core.rdd_actions import ActionsMixin
from sparklite.core.rdd_pairs import PairsMixin
from sparklite.core.sampling import RangeSampler, Sampler
from sparklite.core.storagelevel import StorageLevel

_pickling = threading.local()


def _user_callsite() -> str:
    """``op at file:line`` for the first frame outside sparklite (Spark's creation site)."""
    frame, op = sys._getframe(1), "?"
    package_dir = os.path.dirname(os.path.dirname(__file__))
    while frame is not None and frame.f_code.co_filename.startswith(package_dir):
        if not frame.f_code.co_name.startswith("_") and frame.f_code.co_name != "__init__":
            op = frame.f_code.co_name
        frame = frame.f_back
    if frame is None:
        return op
    return f"{op} at {os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


class RDD(ActionsMixin, PairsMixin):
    # True for kinds whose compute is engine plumbing or Arrow kernels, never per-record Python: a
    # stage made only of such RDDs may run on a thread of the executor's process (``taskbinary.arrow_only``).
    _arrow_only = False

    def __init__(self, ctx, deps: list):
        self.ctx = ctx
        self._id = ctx._next_rdd_id()
        self._deps = deps
        self.partitioner = None
        self._name = None
        self._storage_level = StorageLevel.NONE
        self._checkpoint_mark = None      # "reliable" or "local" until the first job computes it
        self._checkpointed = None         # the RDD that replaced this one's lineage
        self._creation_site = _user_callsite()

    # -- identity and shape -------------------------------------------------------------------
    def id(self) -> int:
        return self._id

    @property
    def context(self):
        return self.ctx

    def name(self):
        return self._name

    def setName(self, name: str) -> "RDD":
        self._name = name
        return self

    def getNumPartitions(self) -> int:
        raise NotImplementedError

    @property
    def dependencies(self) -> list:
        if self._checkpointed is not None:
            from sparklite.core.dependencies import OneToOneDependency
            return [OneToOneDependency(self._checkpointed)]
        return self._deps

    def compute(self, split: int, context):
        raise NotImplementedError

    def iterator(self, split: int, context):
        if self._checkpointed is not None:
            return self._checkpointed.iterator(split, context)
        if self._storage_level.is_valid:
            return context._executor.get_or_compute(self, split, context)
        return self.compute(split, context)

    def _before_last_map(self, split: int, context):
        """See ``MapPartitionsRDD``: None for every other kind of RDD."""
        return None

    def _cached_table(self, split: int, context):
        """This partition as its cached Arrow table when it is cached (here or on a peer), else None;
        for operators that can work on the encoded rows before decoding them."""
        if self._checkpointed is None and self._storage_level.is_valid and getattr(context, "_executor", None):
            return context._executor.cached_table(self, split, context)
        return None

    def _class_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        label = self._name + " " if self._name else ""
        return f"{label}{self._class_name()}[{self._id}] at {self._creation_site}"

    def __reduce__(self):
        allowed = getattr(_pickling, "allowed", None)
        if allowed is None or self._id not in allowed:
            raise RuntimeError(RDD_IN_CLOSURE_MESSAGE)
        state = self._task_state()     # one snapshot: another thread may be checkpointing this RDD
        checkpointed = state["_checkpointed"]
        if checkpointed is not None:
            # Tasks read a checkpointed RDD from its checkpoint, so the checkpoint RDD travels in its
            # place and the lineage it cut is not shipped (it grows with every iteration otherwise).
            # It may have been made after the job's lineage was walked: it is part of the job too.
            allowed.add(checkpointed._id)
            return (_same, (checkpointed,))
        return (_rebuild_rdd, (type(self), state))

    def _task_state(self) -> dict:
        """What of this RDD a task binary carries: everything but the context."""
        state = dict(self.__dict__)
        state["ctx"] = None
        state.pop("_dealt_batches", None)   # a driver-side handle (see ``coalesce``), not lineage
        return state

    def _default_reduce_partitions(self) -> int:
        if self.ctx._conf.contains("spark.default.parallelism"):
            return self.ctx.defaultParallelism
        return self.getNumPartitions()

    # -- persistence and lineage --------------------------------------------------------------
    @property
    def is_cached(self) -> bool:
        return self._storage_level.is_valid

    def cache(self) -> "RDD":
        return self.persist(StorageLevel.MEMORY_ONLY)

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "RDD":
        if self._storage_level.is_valid and storageLevel != self._storage_level:
            raise ValueError("Cannot change storage level of an RDD after it was already assigned a level")
        self._storage_level = storageLevel
        self.ctx._persistent_rdds[self._id] = self
        self.ctx._cleaner.track("rdd", self, self._id)
        return self

    def unpersist(self, blocking: bool = False) -> "RDD":
        self._storage_level = StorageLevel.NONE
        self.ctx._persistent_rdds.pop(self._id, None)
        self.ctx._cleaner.untrack("rdd", self._id)
        self.ctx._remove_blocks("rdd", self._id, blocking)
        return self

    def getStorageLevel(self) -> StorageLevel:
        return self._storage_level

    def checkpoint(self) -> None:
        if self.ctx.getCheckpointDir() is None:
            raise RuntimeError("Checkpoint directory has not been set in the SparkContext; "
                               "call sc.setCheckpointDir(path) first")
        if self._checkpointed is None:
            self._checkpoint_mark = "reliable"

    def localCheckpoint(self) -> None:
        if self._checkpointed is None:
            self._checkpoint_mark = "local"
            level = self._storage_level
            # Spark adds disk to the level: a locally checkpointed block must survive eviction.
            self._storage_level = StorageLevel(True, True, level.useOffHeap, level.deserialized,
                                               level.replication) if level.is_valid else StorageLevel.MEMORY_AND_DISK
            self.ctx._persistent_rdds[self._id] = self
            self.ctx._cleaner.track("rdd", self, self._id)

    def isCheckpointed(self) -> bool:
        return self._checkpointed is not None

    def isLocallyCheckpointed(self) -> bool:
        return self._checkpoint_mark == "local" or (
            self._checkpointed is not None and self._checkpoint_kind == "local")

    def getCheckpointFile(self):
        if self._checkpointed is not None and self._checkpoint_kind == "reliable":
            return self._checkpointed._label
        return None

    def cleanShuffleDependencies(self, blocking: bool = False) -> None:
        from sparklite.core.dependencies import ShuffleDependency
        for dep in self.dependencies:
            if isinstance(dep, ShuffleDependency):
                self.ctx._remove_shuffle(dep.shuffle_id)

    def toDebugString(self) -> bytes:
        from sparklite.core.lineage import debug_string
        return debug_string(self).encode("utf-8")

    def getResourceProfile(self):
        return None

    # -- narrow transformations ---------------------------------------------------------------
    def mapPartitionsWithIndex(self, f, preservesPartitioning: bool = False) -> "RDD":
        return _rdds.MapPartitionsRDD(self, f, preservesPartitioning)

    def mapPartitions(self, f, preservesPartitioning: bool = False) -> "RDD":
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithSplit(self, f, preservesPartitioning: bool = False) -> "RDD":
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def map(self, f, preservesPartitioning: bool = False) -> "RDD":
        return _rdds.MapPartitionsRDD(self, lambda _, it: map(f, it), preservesPartitioning, element_fn=f)

    def flatMap(self, f, preservesPartitioning: bool = False) -> "RDD":
        return self.mapPartitionsWithIndex(
            lambda _, it: itertools.chain.from_iterable(map(f, it)), preservesPartitioning)

    def filter(self, f) -> "RDD":
        return self.mapPartitionsWithIndex(lambda _, it: filter(f, it), True)

    def glom(self) -> "RDD":
        return self.mapPartitionsWithIndex(lambda _, it: iter([list(it)]))

    def keyBy(self, f) -> "RDD":
        return self.map(lambda x: (f(x), x))

    def sample(self, withReplacement: bool, fraction: float, seed=None) -> "RDD":
        if not fraction >= 0:
            raise ValueError("Fraction must be nonnegative.")
        return self.mapPartitionsWithIndex(Sampler(withReplacement, fraction, seed).sample, True)

    def randomSplit(self, weights, seed=None) -> list:
        if not all(w >= 0 for w in weights):
            raise ValueError("Weights must be nonnegative")
        total = float(sum(weights))
        if not total > 0:
            raise ValueError("Sum of weights must be positive")
        bounds = list(itertools.accumulate((w / total for w in weights), initial=0.0))
        if seed is None:
            seed = Sampler.random_seed(32)
        return [self.mapPartitionsWithIndex(RangeSampler(lo, hi, seed).sample, True)
                for lo, hi in zip(bounds, bounds[1:])]

    def union(self, other: "RDD") -> "RDD":
        rdd = _rdds.union_of(self.ctx, [self, other])
        if self.partitioner == other.partitioner and self.getNumPartitions() == rdd.getNumPartitions():
            rdd.partitioner = self.partitioner
        return rdd

    def __add__(self, other: "RDD") -> "RDD":
        if not isinstance(other, RDD):
            raise TypeError
        return self.union(other)

    def zip(self, other: "RDD") -> "RDD":
        return _rdds.ZippedRDD(self, other)

    def zipWithIndex(self) -> "RDD":
        starts = [0]
        if self.getNumPartitions() > 1:
            counts = self.mapPartitions(lambda it: [_count(it)]).collect()
            starts = list(itertools.accumulate(counts[:-1], initial=0))
        return self.mapPartitionsWithIndex(lambda k, it: ((v, i) for i, v in enumerate(it, starts[k])))

    def zipWithUniqueId(self) -> "RDD":
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(lambda k, it: ((v, i * n + k) for i, v in enumerate(it)))

    def cartesian(self, other: "RDD") -> "RDD":
        return _rdds.CartesianRDD(self, other)

    def barrier(self):
        """This RDD in barrier execution mode: ``rdd.barrier().mapPartitions(f)`` (see ``core.barrier``)."""
        from sparklite.core.barrier import RDDBarrier
        return RDDBarrier(self)

    def isBarrier(self) -> bool:
        from sparklite.core.barrier import stage_is_barrier
        return stage_is_barrier(self)

    def coalesce(self, numPartitions: int, shuffle: bool = False) -> "RDD":
        if not numPartitions > 0:
            raise ValueError("Number of partitions must be positive.")
        if shuffle:
            from sparklite.core import roundrobin
            from sparklite.core.partitioner import Partitioner
            # Batches of records dealt round-robin, each input partition from its own start: the records
            # land where PySpark puts them (see ``roundrobin``).
            batched = getattr(self, "_dealt_batches", None)
            if batched is None:
                size = min(10, self.ctx._batchSize or 1024)
                batched = self.mapPartitions(lambda it: roundrobin.batches(it, size))
            keyed = batched.mapPartitionsWithIndex(lambda i, it: roundrobin.dealt(i, numPartitions, it))
            dealt = _rdds.ShuffledRDD(keyed, Partitioner(numPartitions, _identity)).values()
            records = dealt.flatMap(_identity)
            records._dealt_batches = dealt
            return records
        return _rdds.CoalescedRDD(self, numPartitions)

    def repartition(self, numPartitions: int) -> "RDD":
        return self.coalesce(numPartitions, shuffle=True)

    def pipe(self, command: str, env=None, checkCode: bool = False) -> "RDD":
        env = dict(env or {})

        def run(iterator):
            proc = subprocess.Popen(shlex.split(command), env=env or None, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)

            def feed():
                try:
                    for obj in iterator:
                        proc.stdin.write((str(obj).rstrip("\n") + "\n").encode("utf-8"))
                finally:
                    proc.stdin.close()

            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            for line in iter(proc.stdout.readline, b""):
                yield line.rstrip(b"\n").decode("utf-8")
            writer.join()
            if proc.wait() and checkCode:
                raise RuntimeError(f"Pipe function `{command}' exited with error code {proc.returncode}")

        return self.mapPartitions(run)


def _identity(x):
    return x


def _count(iterator) -> int:
    counter = itertools.count()
    for _ in zip(iterator, counter):
        pass
    return next(counter)


def _same(rdd):
    return rdd


def _rebuild_rdd(cls, state):
    rdd = cls.__new__(cls)
    rdd.__dict__.update(state)
    return rdd


from sparklite.core import rdds as _rdds  # noqa: E402  (the RDD kinds subclass RDD)
