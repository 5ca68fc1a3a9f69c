"""Pair-RDD operations: RDDs of ``(key, value)`` tuples, and the wide transformations built on them.

Contract: every shuffle here is a ``ShuffledRDD`` over a ``ShuffleDependency``. ``combineByKey`` is
the one aggregation primitive: map-side combine, then merging of combiners on the reduce side (both
spill when they outgrow memory); ``reduceByKey``, ``aggregateByKey``, ``foldByKey``, ``groupByKey``,
``distinct`` and the joins are written with it, following PySpark's definitions so partition counts,
grouping order and output equal PySpark's. An RDD already partitioned by an equal partitioner is not
shuffled again.
"""
from __future__ import annotations

import copy
import functools
from collections.abc import Iterable

from sparklite.core.dependencies import Aggregator, identity as _identity
from sparklite.core.hashing import portable_hash
from sparklite.core.partitioner import Partitioner, RangePartitioner


class ResultIterable(Iterable):
    """The values of one key after ``groupByKey``/``cogroup`` (PySpark's ``ResultIterable``)."""

    def __init__(self, data: list):
        self.data = data
        self.index = 0
        self.maxindex = len(data)

    def __iter__(self):
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"ResultIterable({self.data!r})"


def _append(acc: list, v) -> list:
    acc.append(v)
    return acc


def _extend(a: list, b: list) -> list:
    a.extend(b)
    return a


def join_pairs(vs: list, ws: list, left_default: bool, right_default: bool) -> list:
    """One key's joined (v, w) pairs; an outer side missing its values contributes a None."""
    if left_default and not vs:
        vs = [None]
    if right_default and not ws:
        ws = [None]
    return [(v, w) for v in vs for w in ws]


def _dispatch_join(left_default: bool, right_default: bool):
    def dispatch(tagged):
        vbuf, wbuf = [], []
        for n, v in tagged:
            (vbuf if n == 1 else wbuf).append(v)
        return join_pairs(vbuf, wbuf, left_default, right_default)
    return dispatch


class PairsMixin:
    # -- per-value helpers --------------------------------------------------------------------
    def keys(self):
        return self.map(lambda kv: kv[0])

    def values(self):
        return self.map(lambda kv: kv[1])

    def mapValues(self, f):
        return self.map(lambda kv: (kv[0], f(kv[1])), True)

    def flatMapValues(self, f):
        return self.flatMap(lambda kv: ((kv[0], x) for x in f(kv[1])), True)

    # -- partitioning -------------------------------------------------------------------------
    def partitionBy(self, numPartitions, partitionFunc=portable_hash):
        from sparklite.core.rdds import ShuffledRDD
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        partitioner = numPartitions if isinstance(numPartitions, Partitioner) else \
            Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self
        return ShuffledRDD(self, partitioner)

    # -- aggregation --------------------------------------------------------------------------
    def combineByKey(self, createCombiner, mergeValue, mergeCombiners, numPartitions=None,
                     partitionFunc=portable_hash):
        from sparklite.core.rdds import ShuffledRDD
        from sparklite.core.shuffle import combine_values
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        aggregator = Aggregator(createCombiner, mergeValue, mergeCombiners)
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self.mapPartitionsWithIndex(
                lambda _, it: combine_values(aggregator, it), preservesPartitioning=True)
        return ShuffledRDD(self, partitioner, aggregator, map_side_combine=True)

    def reduceByKey(self, func, numPartitions=None, partitionFunc=portable_hash):
        return self.combineByKey(_identity, func, func, numPartitions, partitionFunc)

    def aggregateByKey(self, zeroValue, seqFunc, combFunc, numPartitions=None, partitionFunc=portable_hash):
        return self.combineByKey(lambda v: seqFunc(copy.deepcopy(zeroValue), v), seqFunc, combFunc,
                                 numPartitions, partitionFunc)

    def foldByKey(self, zeroValue, func, numPartitions=None, partitionFunc=portable_hash):
        return self.combineByKey(lambda v: func(copy.deepcopy(zeroValue), v), func, func,
                                 numPartitions, partitionFunc)

    def groupByKey(self, numPartitions=None, partitionFunc=portable_hash):
        grouped = self.combineByKey(lambda v: [v], _append, _extend, numPartitions, partitionFunc)
        return grouped.mapValues(ResultIterable)

    def groupBy(self, f, numPartitions=None, partitionFunc=portable_hash):
        return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)

    def distinct(self, numPartitions=None):
        return self.map(lambda x: (x, None)).reduceByKey(lambda x, _: x, numPartitions).map(lambda x: x[0])

    # -- joins and set operations -------------------------------------------------------------
    def cogroup(self, other, numPartitions=None):
        return self.groupWith(other, numPartitions=numPartitions)

    def groupWith(self, other, *others, numPartitions=None):
        rdds = (self, other) + others
        tagged = [r.mapValues(lambda v, i=i: (i, v)) for i, r in enumerate(rdds)]
        union = functools.reduce(lambda a, b: a.union(b), tagged)
        width = len(rdds)

        def dispatch(seq):
            bufs = [[] for _ in range(width)]
            for n, v in seq:
                bufs[n].append(v)
            return tuple(ResultIterable(vs) for vs in bufs)

        return union.groupByKey(numPartitions).mapValues(dispatch)

    def _join(self, other, numPartitions, left_default: bool, right_default: bool):
        target = numPartitions
        if target is None:   # what groupByKey would pick for the union of the two sides
            target = self.ctx.defaultParallelism if self.ctx._conf.contains("spark.default.parallelism") \
                else (self.partitioner.numPartitions if self.partitioner is not None else 0)
        if self.partitioner is not None and self.partitioner == other.partitioner == Partitioner(target):
            from sparklite.core.rdds import CoPartitionedJoinRDD
            return CoPartitionedJoinRDD(self, other, left_default, right_default)
        tagged = self.mapValues(lambda v: (1, v)).union(other.mapValues(lambda v: (2, v)))
        return tagged.groupByKey(numPartitions).flatMapValues(_dispatch_join(left_default, right_default))

    def join(self, other, numPartitions=None):
        return self._join(other, numPartitions, False, False)

    def leftOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, False, True)

    def rightOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, True, False)

    def fullOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, True, True)

    def subtractByKey(self, other, numPartitions=None):
        def only_left(pair):
            key, (left, right) = pair
            return left and not right
        return self.cogroup(other, numPartitions).filter(only_left).flatMapValues(lambda x: x[0])

    def subtract(self, other, numPartitions=None):
        return self.map(lambda x: (x, True)).subtractByKey(other.map(lambda x: (x, True)), numPartitions).keys()

    def intersection(self, other):
        return (self.map(lambda v: (v, None)).cogroup(other.map(lambda v: (v, None)))
                .filter(lambda kv: all(kv[1])).keys())

    # -- sorting ------------------------------------------------------------------------------
    def sortByKey(self, ascending: bool = True, numPartitions=None, keyfunc=_identity):
        from sparklite.core.shuffle import sort_partition
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()

        def sort(iterator):
            return sort_partition(iterator, lambda kv: keyfunc(kv[0]), not ascending)

        if numPartitions == 1:
            rdd = self.coalesce(1) if self.getNumPartitions() > 1 else self
            return rdd.mapPartitions(sort, True)
        size, sample = self._count_and_sample_keys(numPartitions * 20.0, seed=1)
        if not size:
            return self
        sample = sorted(sample, key=keyfunc)
        bounds = [sample[int(len(sample) * (i + 1) / numPartitions)] for i in range(numPartitions - 1)]
        return self.partitionBy(RangePartitioner(bounds, ascending, keyfunc)).mapPartitions(sort, True)

    def _count_and_sample_keys(self, max_sample: float, seed: int):
        """PySpark's sortByKey counts the RDD, then samples its keys with
        ``fraction = min(max_sample / count, 1)`` and ``seed``: two passes. This does both in one pass and
        returns the same keys: each partition draws the sampler's uniforms in record order and keeps the
        keys whose draw could still pass (``draw < max_sample / records seen so far``, a bound that only
        shrinks); the driver keeps those below the final fraction."""
        from sparklite.core.sampling import Sampler

        def candidates(split, iterator):
            draw, kept, count = Sampler(False, None, seed)._rng(split).random, [], 0
            for kv in iterator:
                count += 1
                d = draw()
                if d * count < max_sample:
                    kept.append((d, kv[0]))
            return [(count, kept)]

        parts = self.mapPartitionsWithIndex(candidates).collect()
        size = sum(count for count, _ in parts)
        fraction = min(max_sample / max(size, 1), 1.0)
        return size, [key for _, kept in parts for d, key in kept if d < fraction]

    def sortBy(self, keyfunc, ascending: bool = True, numPartitions=None):
        return self.keyBy(keyfunc).sortByKey(ascending, numPartitions).values()

    def repartitionAndSortWithinPartitions(self, numPartitions=None, partitionFunc=portable_hash,
                                           ascending: bool = True, keyfunc=_identity):
        from sparklite.core.shuffle import sort_partition
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        return self.partitionBy(numPartitions, partitionFunc).mapPartitions(
            lambda it: sort_partition(it, lambda kv: keyfunc(kv[0]), not ascending), True)

    def sampleByKey(self, withReplacement: bool, fractions: dict, seed=None):
        from sparklite.core.sampling import StratifiedSampler
        for fraction in fractions.values():
            assert fraction >= 0.0, "Negative fraction value: %s" % fraction
        return self.mapPartitionsWithIndex(StratifiedSampler(withReplacement, fractions, seed).sample, True)

    # -- pair actions -------------------------------------------------------------------------
    def countByKey(self) -> dict:
        return self.map(lambda x: x[0]).countByValue()

    def collectAsMap(self) -> dict:
        return dict(self.collect())

    def lookup(self, key) -> list:
        values = self.filter(lambda kv: kv[0] == key).values()
        if self.partitioner is not None:
            return self.ctx._run_job(values, list, [self.partitioner(key)])[0]
        return values.collect()

    def reduceByKeyLocally(self, func) -> dict:
        def reduce_partition(iterator):
            m = {}
            for k, v in iterator:
                m[k] = func(m[k], v) if k in m else v
            return m

        def merge(m1, m2):
            for k, v in m2.items():
                m1[k] = func(m1[k], v) if k in m1 else v
            return m1

        return functools.reduce(merge, self.ctx._run_job(self, reduce_partition), {})
