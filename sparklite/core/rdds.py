"""The concrete RDD kinds: how each computes one partition from its parents.

Contract: every class here defines ``getNumPartitions()``, ``dependencies`` (a list of
``Dependency``) and ``compute(split, context)``, which returns an iterator over the partition's
records. ``compute`` runs on an executor inside a task; it reads parents through
``parent.iterator(split, context)`` so caching and checkpoints are honoured at every level.
Nothing here schedules anything: the DAG scheduler reads ``dependencies`` to cut stages.
"""
from __future__ import annotations

import itertools
import pickle
import sys

import cloudpickle

from sparklite.core.dependencies import (ManyToOneDependency, OneToOneDependency, RangeDependency,
                                         ShuffleDependency)
from sparklite.core.rdd import RDD
from sparklite.core.rdd_pairs import join_pairs
from sparklite.core.storage import codec


def slice_positions(length: int, num_slices: int) -> list[tuple[int, int]]:
    """Spark's even split of ``length`` items into ``num_slices`` contiguous [start, end) ranges."""
    return [((i * length) // num_slices, ((i + 1) * length) // num_slices) for i in range(num_slices)]


class ParallelCollectionRDD(RDD):
    """A driver-side collection cut into slices. A range is sliced evenly and stays a range; other
    collections are cut into batches of ``max(1, min(len // slices, 1024))`` records and the batches
    are sliced evenly, which is the layout PySpark produces. In a task binary the slices travel
    pickled one by one in a single buffer, so a task unpickles only its own slice (every task
    unpickles its binary: a 1000-slice collection would cost each task all 1000)."""
    _arrow_only = True

    def __init__(self, ctx, data, num_slices: int):
        super().__init__(ctx, [])
        if num_slices < 1:
            raise ValueError(f"Number of partitions must be positive, got {num_slices}")
        self._packed = None
        if isinstance(data, range):
            self._slices = [data[a:b] for a, b in slice_positions(len(data), num_slices)]
            return
        data = list(data)
        size = max(1, min(len(data) // num_slices, 1024))
        num_batches = -(-len(data) // size)
        self._slices = [data[a * size:b * size] for a, b in slice_positions(num_batches, num_slices)]

    def getNumPartitions(self) -> int:
        return len(self._slices) if self._slices is not None else len(self._packed[1]) - 1

    def compute(self, split, context):
        if self._slices is not None:
            return iter(self._slices[split])
        data, offsets = self._packed
        return iter(pickle.loads(data[offsets[split]:offsets[split + 1]]))

    def _task_state(self) -> dict:
        state = super()._task_state()
        if self._slices is not None and not isinstance(self._slices[0] if self._slices else None, range):
            if self._packed is None:
                pieces, offsets = [], [0]
                for piece in self._slices:
                    pieces.append(_dumps(piece))
                    offsets.append(offsets[-1] + len(pieces[-1]))
                self._packed = (b"".join(pieces), offsets)
            state["_packed"], state["_slices"] = self._packed, None
        return state


def _dumps(value) -> bytes:
    try:
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return cloudpickle.dumps(value, pickle.HIGHEST_PROTOCOL)


class MapPartitionsRDD(RDD):
    """Applies ``f(split, iterator)`` to each partition of its parent; chains of these fuse. When the
    last operation is ``map(element_fn)``, a shuffle's map-side combine may take the records before
    it and call ``element_fn`` itself (``_before_last_map``)."""

    def __init__(self, prev: RDD, f, preserves_partitioning: bool = False, element_fn=None, arrow_only=False):
        self._arrow_only = arrow_only
        if isinstance(prev, MapPartitionsRDD) and prev._is_pipelinable():
            self._arrow_only = arrow_only and prev._arrow_only
            if getattr(prev, "_barrier", False):   # fused into a barrier RDD: still a barrier stage
                self._barrier = True
            prev_f, inner_f = prev._f, f
            f = lambda split, it: inner_f(split, prev_f(split, it))  # noqa: E731
            parent, self._pipelined_ops, before = prev._deps[0].rdd, prev._pipelined_ops + 1, prev_f
        else:
            parent, self._pipelined_ops, before = prev, 1, _records_as_they_are
        super().__init__(prev.ctx, [OneToOneDependency(parent)])
        self._f = f
        self._last_map = None if element_fn is None else (before, element_fn)
        self.partitioner = prev.partitioner if preserves_partitioning else None

    def _before_last_map(self, split, context):
        """(the records ``map(element_fn)`` would read, ``element_fn``), or None when this RDD does
        not end with a map or is read from a cache or checkpoint."""
        if self._last_map is None or not self._is_pipelinable():
            return None
        before, element_fn = self._last_map
        return before(split, self._deps[0].rdd.iterator(split, context)), element_fn

    def _is_pipelinable(self) -> bool:
        return not (self.is_cached or self._checkpoint_mark or self._checkpointed)

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        return self._f(split, self._deps[0].rdd.iterator(split, context))


class PartitionerAwareUnionRDD(RDD):
    """The union of RDDs partitioned alike: partition i is partition i of every parent."""
    _arrow_only = True

    def __init__(self, ctx, rdds: list[RDD]):
        super().__init__(ctx, [OneToOneDependency(r) for r in rdds])
        self.partitioner = rdds[0].partitioner
        self._n = self.partitioner.numPartitions

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        return itertools.chain.from_iterable(d.rdd.iterator(split, context) for d in self._deps)


def union_of(ctx, rdds: list[RDD]) -> RDD:
    """Spark's rule: RDDs that share a partitioner union partition-wise, others end to end."""
    first = rdds[0].partitioner if rdds else None
    if first is not None and all(r.partitioner == first for r in rdds):
        return PartitionerAwareUnionRDD(ctx, rdds)
    return UnionRDD(ctx, rdds)


class UnionRDD(RDD):
    _arrow_only = True

    def __init__(self, ctx, rdds: list[RDD]):
        deps, start = [], 0
        for r in rdds:
            n = r.getNumPartitions()
            deps.append(RangeDependency(r, 0, start, n))
            start += n
        super().__init__(ctx, deps)
        self._n = start

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        for dep in self._deps:
            parents = dep.parents(split)
            if parents:
                return dep.rdd.iterator(parents[0], context)
        raise IndexError(split)


def _records_as_they_are(split, iterator):
    return iterator


class CoalescedRDD(RDD):
    """Contiguous groups of parent partitions, without a shuffle (``groups`` given, or an even
    split into ``num_partitions``)."""
    _arrow_only = True

    def __init__(self, prev: RDD, num_partitions: int, groups: list | None = None):
        n = prev.getNumPartitions()
        if groups is None:
            groups = [list(range(a, b)) for a, b in slice_positions(n, min(num_partitions, n))] if n else []
        super().__init__(prev.ctx, [ManyToOneDependency(prev, groups)])
        self._n = len(groups)

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        dep = self._deps[0]
        return itertools.chain.from_iterable(dep.rdd.iterator(p, context) for p in dep.parents(split))


class CartesianRDD(RDD):
    def __init__(self, a: RDD, b: RDD):
        na, nb = a.getNumPartitions(), b.getNumPartitions()
        super().__init__(a.ctx, [ManyToOneDependency(a, [[i // nb] for i in range(na * nb)]),
                                 ManyToOneDependency(b, [[i % nb] for i in range(na * nb)])])
        self._n = na * nb

    def getNumPartitions(self) -> int:
        return self._n

    def compute(self, split, context):
        da, db = self._deps
        right = list(db.rdd.iterator(db.parents(split)[0], context))
        return ((x, y) for x in da.rdd.iterator(da.parents(split)[0], context) for y in right)


class ZippedRDD(RDD):
    def __init__(self, a: RDD, b: RDD):
        if a.getNumPartitions() != b.getNumPartitions():
            raise ValueError("Can only zip with RDD which has the same number of partitions")
        super().__init__(a.ctx, [OneToOneDependency(a), OneToOneDependency(b)])

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        left = self._deps[0].rdd.iterator(split, context)
        right = self._deps[1].rdd.iterator(split, context)
        for pair in itertools.zip_longest(left, right, fillvalue=_MISSING):
            if _MISSING in pair:
                raise ValueError("Can only zip RDDs with same number of elements in each partition")
            yield pair


class CoPartitionedJoinRDD(RDD):
    """A join of two RDDs partitioned alike: partition i joins partition i of each side in place.
    Keys come out in first-seen order (left side first) and each key's pairs as ``for v in left: for w
    in right`` (the order PySpark's union-and-groupByKey join gives), without tagging and regrouping
    every record. The right side is grouped first, so when left keys without a match produce nothing
    (inner and right outer joins) they are dropped as they stream by instead of being grouped: a
    PageRank iteration joins every node's links with the few ranked nodes."""

    def __init__(self, left: RDD, right: RDD, left_default: bool, right_default: bool):
        super().__init__(left.ctx, [OneToOneDependency(left), OneToOneDependency(right)])
        self.partitioner = left.partitioner
        self._defaults = (left_default, right_default)

    def getNumPartitions(self) -> int:
        return self._deps[0].rdd.getNumPartitions()

    def compute(self, split, context):
        left_default, right_default = self._defaults
        right: dict = {}
        for k, w in self._deps[1].rdd.iterator(split, context):
            ws = right.get(k)
            if ws is None:
                right[k] = [w]
            else:
                ws.append(w)
        left: dict = {}
        for k, v in self._left_records(split, context, None if right_default else right):
            vs = left.get(k)
            if vs is None:
                if not right_default and k not in right:
                    continue
                left[k] = [v]
            else:
                vs.append(v)
        for k, vs in left.items():
            ws = right.get(k, ())
            if len(vs) == 1 and len(ws) == 1:
                yield k, (vs[0], ws[0])
            else:
                for pair in join_pairs(vs, ws, left_default, right_default):
                    yield k, pair
        if left_default:
            for k, ws in right.items():
                if k not in left:
                    for pair in join_pairs((), ws, left_default, right_default):
                        yield k, pair

    def _left_records(self, split, context, matching):
        """The left partition; when only keys in ``matching`` can produce output and the partition is
        cached, its rows are filtered on their encoded key column before any is decoded."""
        rdd = self._deps[0].rdd
        if matching is not None:
            table = rdd._cached_table(split, context)
            if table is not None:
                kept = codec.rows_with_keys(table, matching)
                return codec.decode(table if kept is None else kept)
        return rdd.iterator(split, context)


class _Missing:
    def __eq__(self, other):
        return other is self


_MISSING = _Missing()


class ShuffledRDD(RDD):
    """The reduce side of a shuffle: reads this reducer's blocks from every map output."""

    def __init__(self, prev: RDD, partitioner, aggregator=None, map_side_combine: bool = False):
        dep = ShuffleDependency(prev, partitioner, aggregator, map_side_combine)
        super().__init__(prev.ctx, [dep])
        self.partitioner = partitioner
        self._n = dep.num_partitions

    def getNumPartitions(self) -> int:
        return self._n

    @property
    def _arrow_only(self) -> bool:
        # a columnar shuffle's reducer only reads batches (a checkpointed one reads its checkpoint)
        return getattr(self._deps[0], "bucketer", None) is not None

    def compute(self, split, context):
        return context._executor.shuffle.read(self._deps[0], split, context)


class SourceRDD(RDD):
    """Partitions described by small picklable ``splits``, each read by ``reader(split)``."""

    def __init__(self, ctx, splits: list, reader, label: str):
        super().__init__(ctx, [])
        self._splits, self._reader, self._label = splits, reader, label

    def getNumPartitions(self) -> int:
        return len(self._splits)

    def compute(self, split, context):
        return iter(self._reader(self._splits[split]))

    def _class_name(self) -> str:
        return self._label


class EmptyRDD(RDD):
    _arrow_only = True

    def getNumPartitions(self) -> int:
        return 0

    def compute(self, split, context):
        return iter(())


RDD._kinds = sys.modules[__name__]    # the transformations of RDD return the kinds defined here
