"""RDD: an immutable, partitioned collection described by its lineage.

Contract: an RDD knows its partition count, its dependencies on parent RDDs and how to compute one
partition (``compute``, defined by the kinds in ``rdds.py``). Transformations return new RDDs and
run nothing; actions (``rdd_actions.py``) call ``SparkContext.run_job``. ``iterator(split, context)``
is the one way a task reads a partition: it serves a checkpointed copy, then a cached block from
the executor's block store (computing and storing it on a miss), and only then computes.
Pair-RDD operations live in ``rdd_pairs.py``; both are mixed into ``RDD`` here so users see the one
PySpark class. None of those modules imports the kinds (the kinds import them): transformations
reach the kinds through ``RDD._kinds``.

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
from sparklite.core.rdd_actions import ActionsMixin, count_records
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
    """A Resilient Distributed Dataset: an immutable collection split into partitions, defined by
    how to compute it from its parents (its lineage) rather than by holding the data.

    Transformations (``map``, ``filter``, ``reduceByKey``, ``join``, ...) return a new RDD at
    once and compute nothing; actions (``collect``, ``count``, ``reduce``, ``saveAsTextFile``,
    ...) run a job and bring a result to the driver. ``persist``/``cache`` keep computed
    partitions on the executors; ``checkpoint`` saves them and cuts the lineage. RDDs come from a
    ``SparkContext`` (``sc.parallelize``, ``sc.textFile``, ...) and exist on the driver only: an
    RDD used inside a function sent to tasks raises. The ``partitioner`` attribute is the
    ``Partitioner`` that placed a pair RDD's keys, or None.

    Developer API: a new kind of RDD subclasses this class, passes its dependencies to
    ``RDD.__init__(sc, deps)`` and defines ``getNumPartitions`` and ``compute`` (see
    docs/developer-api.md).

    >>> words = sc.parallelize(["a b", "b c"]).flatMap(str.split)
    >>> sorted(words.map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect())
    [('a', 1), ('b', 2), ('c', 1)]
    """
    # True for kinds whose compute is engine plumbing or Arrow kernels, never per-record Python: a
    # stage made only of such RDDs may run on a thread of the executor's process (``taskbinary.arrow_only``).
    _arrow_only = False
    # The module of the kinds the transformations return (``rdds``). Those kinds subclass RDD, so
    # this module cannot import them; ``rdds`` sets this when it is imported, which happens before
    # any RDD exists (``SparkContext`` imports it).
    _kinds = None

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
        """This RDD's id, unique within its SparkContext."""
        return self._id

    @property
    def context(self):
        """The SparkContext this RDD belongs to."""
        return self.ctx

    def name(self):
        """The name set with ``setName``, or None."""
        return self._name

    def setName(self, name: str) -> "RDD":
        """Give this RDD a name, shown by ``repr``, ``toDebugString`` and the storage info;
        returns the RDD."""
        self._name = name
        return self

    def getNumPartitions(self) -> int:
        """The number of partitions, known on the driver without running a job.

        >>> sc.parallelize(range(10), 4).getNumPartitions()
        4
        """
        raise NotImplementedError

    @property
    def dependencies(self) -> list:
        """Developer API: the ``Dependency`` objects linking this RDD to its parents (narrow
        ones, or a ``ShuffleDependency`` where a stage ends). Once the RDD is checkpointed it is
        a single link to the checkpoint data. PySpark has no such attribute (Spark's Scala API
        does)."""
        if self._checkpointed is not None:
            from sparklite.core.dependencies import OneToOneDependency
            return [OneToOneDependency(self._checkpointed)]
        return self._deps

    def compute(self, split: int, context):
        """Developer API: an iterator over the records of partition ``split``, computed from the
        parents. Each kind of RDD defines it; tasks call ``iterator`` instead, which honours
        caches and checkpoints."""
        raise NotImplementedError

    def preferred_locations(self, split: int) -> list:
        """The executor ids this partition should run on, best first (developer API hook; none by
        default). A kind that keeps state on an executor, such as a streaming state store, pins
        its partitions there; the task scheduler waits ``spark.locality.wait`` for a slot on one of
        them before running the task elsewhere. A cached copy of the partition takes precedence."""
        return []

    def iterator(self, split: int, context):
        """Developer API: the records of partition ``split`` as a task reads them: from the
        checkpoint if there is one, else from the executor's cache when the RDD is persisted
        (computing and storing the partition on a miss), else by ``compute``. Runs inside a task;
        ``context`` is its TaskContext."""
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
        """True while the RDD has a storage level (set by ``cache``, ``persist`` or
        ``localCheckpoint``); False after ``unpersist``."""
        return self._storage_level.is_valid

    def cache(self) -> "RDD":
        """Keep this RDD's partitions in executor memory once a job computes them (``persist``
        with ``MEMORY_ONLY``); returns the RDD."""
        return self.persist(StorageLevel.MEMORY_ONLY)

    def persist(self, storageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "RDD":
        """Keep this RDD's partitions on the executors, at ``storageLevel``, once a job computes
        them, so later jobs reuse them instead of recomputing; returns the RDD. Lost blocks are
        recomputed from the lineage. A level cannot be replaced by another (ValueError):
        ``unpersist`` first.

        Example::

            words = sc.textFile("book.txt").flatMap(str.split).persist(StorageLevel.MEMORY_AND_DISK)
            words.count(); words.distinct().count()   # the second job reads the cached words
        """
        if self._storage_level.is_valid and storageLevel != self._storage_level:
            raise ValueError("Cannot change storage level of an RDD after it was already assigned a level")
        self._storage_level = storageLevel
        self.ctx._persistent_rdds[self._id] = self
        self.ctx._cleaner.track("rdd", self, self._id)
        return self

    def unpersist(self, blocking: bool = False) -> "RDD":
        """Drop the storage level and delete this RDD's cached blocks; with ``blocking=True``
        wait until they are gone. Returns the RDD."""
        self._storage_level = StorageLevel.NONE
        self.ctx._persistent_rdds.pop(self._id, None)
        self.ctx._cleaner.untrack("rdd", self._id)
        self.ctx._remove_blocks("rdd", self._id, blocking)
        return self

    def getStorageLevel(self) -> StorageLevel:
        """The RDD's current ``StorageLevel``; ``StorageLevel.NONE`` when it is not persisted."""
        return self._storage_level

    def checkpoint(self) -> None:
        """Mark this RDD to be saved under the checkpoint directory (``sc.setCheckpointDir``),
        which cuts its lineage: at the end of the next job that computes it, one more job writes
        its partitions, and later jobs read those files instead of recomputing. Persist it first
        to avoid computing it twice. Raises RuntimeError when no checkpoint directory is set."""
        if self.ctx.getCheckpointDir() is None:
            raise RuntimeError("Checkpoint directory has not been set in the SparkContext; "
                               "call sc.setCheckpointDir(path) first")
        if self._checkpointed is None:
            self._checkpoint_mark = "reliable"

    def localCheckpoint(self) -> None:
        """Like ``checkpoint``, but the partitions stay in the executors' block stores instead of
        files: faster, but the partitions of a lost executor cannot be recomputed. Adds disk to
        the storage level (``MEMORY_AND_DISK`` when the RDD was not persisted)."""
        if self._checkpointed is None:
            self._checkpoint_mark = "local"
            level = self._storage_level
            # Spark adds disk to the level: a locally checkpointed block must survive eviction.
            self._storage_level = StorageLevel(True, True, level.useOffHeap, level.deserialized,
                                               level.replication) if level.is_valid else StorageLevel.MEMORY_AND_DISK
            self.ctx._persistent_rdds[self._id] = self
            self.ctx._cleaner.track("rdd", self, self._id)

    def isCheckpointed(self) -> bool:
        """True once the checkpoint (reliable or local) has been written, not merely requested."""
        return self._checkpointed is not None

    def isLocallyCheckpointed(self) -> bool:
        """True once ``localCheckpoint`` has been called, whether or not it has been written yet."""
        return self._checkpoint_mark == "local" or (
            self._checkpointed is not None and self._checkpoint_kind == "local")

    def getCheckpointFile(self):
        """The directory holding this RDD's reliable checkpoint, or None before it is written or
        for a local checkpoint."""
        if self._checkpointed is not None and self._checkpoint_kind == "reliable":
            return self._checkpointed._label
        return None

    def cleanShuffleDependencies(self, blocking: bool = False) -> None:
        """Delete the shuffle outputs this RDD depends on: its own shuffles and those of its ancestors
        up to the nearest persisted ones, as Spark does; a later job that needs them runs the map
        side again. ``blocking``: return only once the executors have deleted them."""
        from sparklite.core import lineage
        from sparklite.core.dependencies import ShuffleDependency

        def persisted_ancestor(r) -> bool:
            return r is not self and r.is_cached
        for r in lineage.ancestors(self, stop=persisted_ancestor, across_shuffles=True):
            if not persisted_ancestor(r):
                for dep in r.dependencies:
                    if isinstance(dep, ShuffleDependency):
                        self.ctx._remove_shuffle(dep.shuffle_id, blocking)

    def toDebugString(self) -> bytes:
        """The lineage as text, as UTF-8 bytes: one line per RDD with its partition count and
        storage level, each shuffle starting an indented block.
        ``print(rdd.toDebugString().decode())``."""
        from sparklite.core.lineage import debug_string
        return debug_string(self).encode("utf-8")

    def getResourceProfile(self):
        """Always None: sparklite has no stage-level resource profiles."""
        return None

    # -- narrow transformations ---------------------------------------------------------------
    def mapPartitionsWithIndex(self, f, preservesPartitioning: bool = False) -> "RDD":
        """A new RDD made by calling ``f(index, iterator)`` on each partition, ``index`` being
        the partition number; ``f`` returns an iterable of output records.
        ``preservesPartitioning=True`` promises that ``f`` leaves keys unchanged, so the
        partitioner is kept.

        >>> rdd = sc.parallelize(range(4), 2)
        >>> rdd.mapPartitionsWithIndex(lambda i, it: [(i, sum(it))]).collect()
        [(0, 1), (1, 5)]
        """
        return self._kinds.MapPartitionsRDD(self, f, preservesPartitioning)

    def mapPartitions(self, f, preservesPartitioning: bool = False) -> "RDD":
        """A new RDD made by calling ``f(iterator)`` on each partition; ``f`` returns an iterable
        of output records. Useful to set up something costly once per partition.
        ``preservesPartitioning`` as in ``mapPartitionsWithIndex``.

        >>> sc.parallelize([1, 2, 3, 4], 2).mapPartitions(lambda it: [sum(it)]).collect()
        [3, 7]
        """
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithSplit(self, f, preservesPartitioning: bool = False) -> "RDD":
        """Deprecated name of ``mapPartitionsWithIndex``."""
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def map(self, f, preservesPartitioning: bool = False) -> "RDD":
        """A new RDD with ``f(x)`` for every record ``x``. The partitioner is dropped unless
        ``preservesPartitioning`` is True; to change only the values of pairs, ``mapValues``
        keeps it.

        >>> sc.parallelize([1, 2, 3]).map(lambda x: x * 10).collect()
        [10, 20, 30]
        """
        return self._kinds.MapPartitionsRDD(self, lambda _, it: map(f, it), preservesPartitioning, element_fn=f)

    def flatMap(self, f, preservesPartitioning: bool = False) -> "RDD":
        """A new RDD with every element of the iterable ``f(x)``, for every record ``x``.

        >>> sc.parallelize(["a b", "c"]).flatMap(str.split).collect()
        ['a', 'b', 'c']
        """
        return self.mapPartitionsWithIndex(
            lambda _, it: itertools.chain.from_iterable(map(f, it)), preservesPartitioning)

    def filter(self, f) -> "RDD":
        """A new RDD with the records for which ``f(x)`` is true; keeps the partitioner.

        >>> sc.parallelize(range(6)).filter(lambda x: x % 2 == 0).collect()
        [0, 2, 4]
        """
        return self.mapPartitionsWithIndex(lambda _, it: filter(f, it), True)

    def glom(self) -> "RDD":
        """A new RDD with one record per partition: the list of that partition's records.

        >>> sc.parallelize([1, 2, 3], 2).glom().collect()
        [[1], [2, 3]]
        """
        return self.mapPartitionsWithIndex(lambda _, it: iter([list(it)]))

    def keyBy(self, f) -> "RDD":
        """Pairs ``(f(x), x)``: each record keyed by ``f``.

        >>> sc.parallelize(["apple", "fig"]).keyBy(len).collect()
        [(5, 'apple'), (3, 'fig')]
        """
        return self.map(lambda x: (f(x), x))

    def sample(self, withReplacement: bool, fraction: float, seed=None) -> "RDD":
        """A random sample, drawn independently in each partition. Without replacement
        ``fraction`` is the chance that each record is kept (0 to 1); with replacement, the
        expected number of copies of each record. The size is not exact (``takeSample`` returns
        an exact count). The same ``seed`` and partitioning give the same sample. Keeps the
        partitioner; ValueError for a negative fraction.

        Example::

            about_a_tenth = logs.sample(False, 0.1, seed=42)
        """
        if not fraction >= 0:
            raise ValueError("Fraction must be nonnegative.")
        return self.mapPartitionsWithIndex(Sampler(withReplacement, fraction, seed).sample, True)

    def randomSplit(self, weights, seed=None) -> list:
        """Split this RDD at random into a list of RDDs, one per weight, with sizes roughly
        proportional to ``weights`` (scaled to sum to 1). Each record lands in exactly one of
        them provided the RDD yields the same records in the same order each time it is computed
        (persist it if not).

        Example::

            train, test = data.randomSplit([0.8, 0.2], seed=7)
        """
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
        """The records of this RDD followed by those of ``other``, duplicates kept (``rdd +
        other`` is the same). When both have the same partitioner, partition i of the result
        holds partition i of each and the partitioner is kept; otherwise the result has the
        partitions of both, end to end.

        >>> (sc.parallelize([1, 2]) + sc.parallelize([2, 3])).collect()
        [1, 2, 2, 3]
        """
        rdd = self._kinds.union_of(self.ctx, [self, other])
        if self.partitioner == other.partitioner and self.getNumPartitions() == rdd.getNumPartitions():
            rdd.partitioner = self.partitioner
        return rdd

    def __add__(self, other: "RDD") -> "RDD":
        if not isinstance(other, RDD):
            raise TypeError
        return self.union(other)

    def zip(self, other: "RDD") -> "RDD":
        """Pairs ``(x, y)`` of the i-th record of this RDD and the i-th record of ``other``. Both
        must have the same number of partitions (else ValueError at once) and the same number of
        records in each partition (else the job fails with ValueError).

        >>> sc.parallelize([1, 2], 2).zip(sc.parallelize(["a", "b"], 2)).collect()
        [(1, 'a'), (2, 'b')]
        """
        return self._kinds.ZippedRDD(self, other)

    def zipWithIndex(self) -> "RDD":
        """Pairs ``(x, index)``, the index counting records from 0 in partition order. With more
        than one partition this runs a job at once to count the records of each partition.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithIndex().collect()
        [('a', 0), ('b', 1), ('c', 2)]
        """
        starts = [0]
        if self.getNumPartitions() > 1:
            counts = self.mapPartitions(lambda it: [count_records(it)]).collect()
            starts = list(itertools.accumulate(counts[:-1], initial=0))
        return self.mapPartitionsWithIndex(lambda k, it: ((v, i) for i, v in enumerate(it, starts[k])))

    def zipWithUniqueId(self) -> "RDD":
        """Pairs ``(x, id)`` with ids unique within the RDD, without running a job: the i-th
        record of partition k among n gets ``i * n + k``, so ids have gaps.

        >>> sc.parallelize(["a", "b", "c"], 2).zipWithUniqueId().collect()
        [('a', 0), ('b', 1), ('c', 3)]
        """
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(lambda k, it: ((v, i * n + k) for i, v in enumerate(it)))

    def cartesian(self, other: "RDD") -> "RDD":
        """Every pair ``(x, y)`` of a record of this RDD and a record of ``other``, in one
        partition per pair of partitions (m x n). Each task holds its partition of ``other`` in
        memory.

        >>> sorted(sc.parallelize([1, 2]).cartesian(sc.parallelize(["a", "b"])).collect())
        [(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]
        """
        return self._kinds.CartesianRDD(self, other)

    def barrier(self):
        """This RDD in barrier execution mode: ``rdd.barrier().mapPartitions(f)`` makes a stage
        whose tasks all start together and can wait for each other with
        ``BarrierTaskContext.get().barrier()`` (see ``core.barrier``)."""
        from sparklite.core.barrier import RDDBarrier
        return RDDBarrier(self)

    def isBarrier(self) -> bool:
        """True if this RDD's stage runs in barrier mode: it is, or narrowly depends on, an RDD
        made with ``barrier()``."""
        from sparklite.core.barrier import stage_is_barrier
        return stage_is_barrier(self)

    def coalesce(self, numPartitions: int, shuffle: bool = False) -> "RDD":
        """Fewer partitions without a shuffle: neighbouring partitions are joined into
        ``numPartitions`` groups (asking for more partitions than there are changes nothing).
        With ``shuffle=True`` the records are dealt round-robin into exactly ``numPartitions``
        partitions, which can also add partitions and evens out skew. The result has no
        partitioner.

        >>> sc.parallelize(range(6), 3).coalesce(2).glom().collect()
        [[0, 1], [2, 3, 4, 5]]
        """
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
            dealt = self._kinds.ShuffledRDD(keyed, Partitioner(numPartitions, _identity)).values()
            records = dealt.flatMap(_identity)
            records._dealt_batches = dealt
            return records
        return self._kinds.CoalescedRDD(self, numPartitions)

    def repartition(self, numPartitions: int) -> "RDD":
        """Exactly ``numPartitions`` partitions through a full shuffle (``coalesce(numPartitions,
        shuffle=True)``). To only reduce the partition count, ``coalesce`` avoids the shuffle."""
        return self.coalesce(numPartitions, shuffle=True)

    def pipe(self, command: str, env=None, checkCode: bool = False) -> "RDD":
        """Run ``command`` once per partition, write each record to its stdin as one line
        (``str(x)``) and return the lines it prints as str records. The command is split like a
        shell would but not run by one. A non-empty ``env`` is the command's whole environment;
        otherwise it inherits the executor's. With ``checkCode=True`` a non-zero exit status
        fails the task.

        >>> sc.parallelize(["b", "a"], 1).pipe("sort").collect()
        ['a', 'b']
        """
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


def _same(rdd):
    return rdd


def _rebuild_rdd(cls, state):
    rdd = cls.__new__(cls)
    rdd.__dict__.update(state)
    return rdd

