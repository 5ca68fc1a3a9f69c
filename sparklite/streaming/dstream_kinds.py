"""The nodes of a DStream graph: what makes one RDD per batch time (Spark's DStream internals).

Contract:
* A node has parent nodes, a slide (ms; an input's is the batch duration, a window's its slide)
  and ``compute(time)``: the RDD of batch ``time`` (ms since the epoch), or None when the node has
  none then. Times are valid after the graph's zero time on multiples of the slide from it.
* ``get_or_compute(time)`` is the one way to read a node's RDD: made once per valid time, persisted
  at the node's storage level, and kept in ``generated`` until ``forget`` drops it (and unpersists
  it) once it is older than the node's remember duration.
* ``initialize(zero)`` at start sets the zero time, the checkpoint interval of nodes that must
  checkpoint (state and incremental windows: the slide times ceil(10 s / slide), unless set) and
  the least remember duration (the slide, or twice the checkpoint interval); ``remember`` then
  widens it from the outputs down to the inputs (a window's parent keeps its window longer).
* Checkpointing (it needs the SparkContext's checkpoint directory, which
  ``StreamingContext.checkpoint`` sets): a node's RDD of a time on a multiple of its checkpoint
  interval is written with ``saveAsPickleFile`` to ``<sc.getCheckpointDir()>/dstream-<node>-<time>``
  after its batch and replaced by the RDD reading it back, so a state's lineage never grows past
  one interval and a restored graph reads its state back (``RDD.checkpoint``'s files cannot be read
  back through the core's public API). A copy no remembered RDD can reach any more is deleted.
* A node pickles as its functions, durations and checkpointed copies (the graph's checkpoint); its
  RDDs and its context stay behind and ``attach`` sets them again.
"""
from __future__ import annotations

import datetime
import math

import pyarrow.fs as pafs

from sparklite import StorageLevel
from sparklite.core.api import resolve_path
from sparklite.sql.errors import IllegalArgumentException
from sparklite.streaming.checkpoint import join

DEFAULT_CHECKPOINT_MS = 10_000


def batch_time(ms: int) -> datetime.datetime:
    """A batch time as PySpark hands it to user functions: local, naive."""
    return datetime.datetime.fromtimestamp(ms / 1000)


def duration_ms(seconds) -> int:
    return round(seconds * 1000)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise IllegalArgumentException(f"requirement failed: {message}")


class DStreamNode:
    """One DStream of the graph; subclasses define ``compute`` (and ``slide`` for inputs and windows)."""
    must_checkpoint = False

    def __init__(self, ssc, parents=()):
        ssc._check_can_add()
        self.ssc, self.parents = ssc, list(parents)
        self.id = ssc._graph.new_node_id()
        self.zero, self.remember_ms, self.checkpoint_ms = None, None, None
        self.storage_level = StorageLevel.NONE
        self.generated: dict = {}
        self.checkpoints: dict = {}

    @property
    def slide(self) -> int:
        return self.parents[0].slide

    @property
    def name(self) -> str:
        return type(self).__name__.replace("Node", "DStream")

    def compute(self, time: int):
        raise NotImplementedError

    # -- generating RDDs ------------------------------------------------------------------------
    def is_time_valid(self, time: int) -> bool:
        if self.zero is None:
            raise RuntimeError(f"{self.name} has not been initialized: start the StreamingContext first")
        return time > self.zero and (time - self.zero) % self.slide == 0

    def get_or_compute(self, time: int):
        rdd = self.generated.get(time)
        if rdd is None and self.is_time_valid(time):
            rdd = self.compute(time)
            if rdd is not None:
                if self.storage_level != StorageLevel.NONE and not rdd.is_cached:
                    rdd.persist(self.storage_level)
                self.generated[time] = rdd
        return rdd

    def slice(self, start: int, end: int) -> list:
        """The RDDs from ``start`` to ``end``, both included, each moved down onto the slide."""
        if self.zero is None:
            raise RuntimeError(f"{self.name} has not been initialized: start the StreamingContext first")
        start, end = (self.zero + (t - self.zero) // self.slide * self.slide for t in (start, end))
        rdds = (self.get_or_compute(t) for t in range(start, end + 1, self.slide) if t >= self.zero)
        return [rdd for rdd in rdds if rdd is not None]

    # -- lifecycle ------------------------------------------------------------------------------
    def initialize(self, zero: int) -> None:
        self.zero = zero
        if self.must_checkpoint and self.checkpoint_ms is None:
            self.checkpoint_ms = self.slide * math.ceil(DEFAULT_CHECKPOINT_MS / self.slide)
        least = self.slide
        if self.checkpoint_ms is not None and least <= self.checkpoint_ms:
            least = 2 * self.checkpoint_ms
        self.remember_ms = max(self.remember_ms or 0, least)

    def parent_remember_ms(self) -> int:
        return self.remember_ms

    def remember(self, ms: int | None) -> None:
        if ms is not None and ms > (self.remember_ms or 0):
            self.remember_ms = ms
        for parent in self.parents:
            parent.remember(self.parent_remember_ms())

    def validate(self) -> None:
        interval, slide = self.checkpoint_ms, self.slide
        if interval is None:
            return
        require(self.ssc.sparkContext.getCheckpointDir() is not None,
                "The checkpoint directory has not been set. Please set it by StreamingContext.checkpoint().")
        require(interval >= slide, f"The checkpoint interval for {self.name} has been set to {interval} ms which is "
                                   f"lower than its slide time ({slide} ms). Please set it to at least {slide} ms.")
        # Spark's text, its double space included
        require(interval % slide == 0, f"The checkpoint interval for {self.name} has been set to  {interval} ms which "
                                       f"not a multiple of its slide time ({slide} ms). Please set it to a multiple "
                                       f"of {slide} ms.")

    def forget(self, time: int) -> None:
        """Drop (and unpersist) the RDDs older than the remember duration at batch ``time``."""
        for old in [t for t in self.generated if t <= time - self.remember_ms]:
            self.generated.pop(old).unpersist()
        self._delete_unreachable_copies()

    # -- checkpoints ----------------------------------------------------------------------------
    def write_checkpoints(self) -> None:
        """Write the due RDDs not written yet, and read them back from then on."""
        if self.checkpoint_ms is None:
            return
        for time in sorted(self.generated):
            if (time - self.zero) % self.checkpoint_ms == 0 and time not in self.checkpoints:
                self._write_copy(time)

    def _write_copy(self, time: int) -> None:
        sc, rdd = self.ssc.sparkContext, self.generated[time]
        path = join(sc.getCheckpointDir(), f"dstream-{self.id}-{time}")
        _delete(path, sc)
        rdd.saveAsPickleFile(path)
        self.generated[time] = self._read_copy(path, rdd.getNumPartitions())
        self.checkpoints[time] = path
        rdd.unpersist()

    def _read_copy(self, path: str, partitions: int | None = None):
        copy = self.ssc.sparkContext.pickleFile(path, partitions)
        return copy.persist(self.storage_level) if self.storage_level != StorageLevel.NONE else copy

    def _delete_unreachable_copies(self) -> None:
        """A remembered RDD's lineage reaches back to the newest copy at or before it, no further."""
        written = sorted(self.checkpoints)
        oldest = min(self.generated, default=written[-1] if written else None)
        reachable = [t for t in written if t <= oldest] if written else []
        for time in written:
            if reachable and time < reachable[-1]:
                _delete(self.checkpoints.pop(time), self.ssc.sparkContext)

    # -- the graph's checkpoint -----------------------------------------------------------------
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["ssc"], state["generated"] = None, {}
        return state

    def attach(self, ssc) -> None:
        """Set the context of a node read from a checkpoint, and read its checkpointed RDDs back."""
        self.ssc = ssc
        self.generated = {time: self._read_copy(path) for time, path in self.checkpoints.items()}


def _delete(path: str, sc) -> None:
    fs, root = resolve_path(path, sc.getConf())
    if fs.get_file_info(root).type != pafs.FileType.NotFound:
        fs.delete_dir(root)


class TransformedNode(DStreamNode):
    """``func(time, *rdds)`` over the parents' RDDs of a time. A parent without one: ``missing`` says
    whether the node has none either ("skip"), uses an empty RDD ("empty") or fails ("error")."""

    def __init__(self, ssc, parents, func, missing: str = "skip"):
        super().__init__(ssc, parents)
        self.func, self.missing = func, missing

    def compute(self, time: int):
        rdds = [parent.get_or_compute(time) for parent in self.parents]
        if None in rdds:
            if self.missing == "skip":
                return None
            if self.missing == "error":
                raise RuntimeError(f"Couldn't generate RDD from parent at time {time} ms")
            rdds = [rdd if rdd is not None else self.ssc.sparkContext.emptyRDD() for rdd in rdds]
        return self.func(batch_time(time), *rdds)


class UnionNode(DStreamNode):
    def compute(self, time: int):
        rdds = [parent.get_or_compute(time) for parent in self.parents]
        if None in rdds:
            raise RuntimeError(f"Could not generate RDD from a parent for unifying at time {time} ms")
        return self.ssc.sparkContext.union(rdds)


class WindowedNode(DStreamNode):
    """The union of the parent's RDDs in the window ending at each multiple of the slide."""

    def __init__(self, ssc, parent, window_ms: int, slide_ms: int):
        super().__init__(ssc, [parent])
        self.window_ms, self.slide_ms = window_ms, slide_ms
        if parent.storage_level == StorageLevel.NONE:
            parent.storage_level = StorageLevel.MEMORY_ONLY

    @property
    def slide(self) -> int:
        return self.slide_ms

    def parent_remember_ms(self) -> int:
        return self.remember_ms + self.window_ms

    def compute(self, time: int):
        parent = self.parents[0]
        return self.ssc.sparkContext.union(parent.slice(time - self.window_ms + parent.slide, time))


class ReducedWindowedNode(WindowedNode):
    """A window of reduced values kept incrementally: from a window of at least five slides on, the
    previous window's RDD minus the batches that left (``inverse``) plus those that came (``reduce``);
    otherwise, or without an inverse, the window's batches reduced afresh."""
    must_checkpoint = True

    def __init__(self, ssc, parent, reduce, inverse, window_ms: int, slide_ms: int):
        super().__init__(ssc, parent, window_ms, slide_ms)
        self.reduce, self.inverse = reduce, inverse
        self.storage_level = StorageLevel.MEMORY_ONLY

    def compute(self, time: int):
        parent, when = self.parents[0], batch_time(time)
        step, window, slide = parent.slide, self.window_ms, self.slide_ms
        previous = self.get_or_compute(time - slide)
        if self.inverse is not None and previous is not None and window >= 5 * slide:
            leaving = parent.slice(time - window - slide + step, time - window)
            entering = parent.slice(time - slide + step, time)
            kept = self.inverse(when, previous, self._union(leaving)) if leaving else previous
            return self.reduce(when, kept, self._union(entering)) if entering else kept
        current = parent.slice(time - window + step, time)
        return self.reduce(when, None, self._union(current)) if current else None

    def _union(self, rdds: list):
        return self.ssc.sparkContext.union(rdds)


class StateNode(DStreamNode):
    """``update(time, previous state or the initial RDD, this batch's RDD)`` every batch; a batch
    without an RDD keeps the previous state."""
    must_checkpoint = True

    def __init__(self, ssc, parent, update, initial=None):
        super().__init__(ssc, [parent])
        self.update, self.initial = update, initial
        self.storage_level = StorageLevel.MEMORY_ONLY

    def compute(self, time: int):
        previous = self.get_or_compute(time - self.slide)
        batch = self.parents[0].get_or_compute(time)
        if batch is None:
            return previous
        return self.update(batch_time(time), previous if previous is not None else self.initial, batch)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["initial"] = None      # an RDD; a restored state starts from its checkpointed copies
        return state


class ForEachNode(DStreamNode):
    """An output: ``func(time, rdd)`` on the parent's RDD of every batch that has one."""

    def __init__(self, ssc, parent, func):
        super().__init__(ssc, [parent])
        self.func = func
        ssc._graph.outputs.append(self)

    def compute(self, time: int):
        return None

    def job(self, time: int):
        rdd = self.parents[0].get_or_compute(time)
        if rdd is None:
            return None
        when = batch_time(time)
        return lambda: self.func(when, rdd)
