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
    """The methods of ``RDD`` for records that are ``(key, value)`` pairs, and the operations
    built on them (``distinct``, ``subtract``, ``intersection``, sorting). Mixed into ``RDD``;
    not used on its own.

    Unless a method says otherwise, a shuffle's ``numPartitions`` defaults to the partition count
    of the RDD being shuffled, or to ``spark.default.parallelism`` when that is set, and keys go
    to partition ``partitionFunc(key) % numPartitions``.
    """
    # -- per-value helpers --------------------------------------------------------------------
    def keys(self):
        """The key of each pair.

        >>> sc.parallelize([("a", 1), ("b", 2)]).keys().collect()
        ['a', 'b']
        """
        return self.map(lambda kv: kv[0])

    def values(self):
        """The value of each pair.

        >>> sc.parallelize([("a", 1), ("b", 2)]).values().collect()
        [1, 2]
        """
        return self.map(lambda kv: kv[1])

    def mapValues(self, f):
        """Pairs ``(k, f(v))``: the values changed, the keys and the partitioner kept.

        >>> sc.parallelize([("a", 1), ("b", 2)]).mapValues(lambda v: v * 10).collect()
        [('a', 10), ('b', 20)]
        """
        return self.map(lambda kv: (kv[0], f(kv[1])), True)

    def flatMapValues(self, f):
        """A pair ``(k, x)`` for every element ``x`` of the iterable ``f(v)``; keeps the
        partitioner.

        >>> sc.parallelize([("a", "x y")]).flatMapValues(str.split).collect()
        [('a', 'x'), ('a', 'y')]
        """
        return self.flatMap(lambda kv: ((kv[0], x) for x in f(kv[1])), True)

    # -- partitioning -------------------------------------------------------------------------
    def partitionBy(self, numPartitions, partitionFunc=portable_hash):
        """Shuffle the pairs so that key ``k`` lands in partition ``partitionFunc(k) %
        numPartitions``. The result remembers this partitioner, so later joins and by-key
        aggregations with the same one skip their shuffle; an RDD already partitioned this way is
        returned as it is. ``numPartitions`` may also be a ``Partitioner``; None means the
        default.

        Example::

            links = sc.parallelize(edges).partitionBy(8).persist()   # every join with links reuses this
        """
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        partitioner = numPartitions if isinstance(numPartitions, Partitioner) else \
            Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self
        return self._kinds.ShuffledRDD(self, partitioner)

    # -- aggregation --------------------------------------------------------------------------
    def combineByKey(self, createCombiner, mergeValue, mergeCombiners, numPartitions=None,
                     partitionFunc=portable_hash):
        """The general per-key aggregation that ``reduceByKey``, ``aggregateByKey`` and
        ``groupByKey`` use. In each partition a key's first value becomes ``createCombiner(v)``
        and later ones are added with ``mergeValue(c, v)``; after the shuffle, combiners of the
        same key are merged with ``mergeCombiners(c1, c2)``. Returns ``(key, combiner)`` pairs,
        hash-partitioned with ``partitionFunc`` into ``numPartitions``; no shuffle when the RDD
        is already partitioned so.

        >>> pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3)])
        >>> sorted(pairs.combineByKey(lambda v: (v, 1), lambda c, v: (c[0] + v, c[1] + 1),
        ...                           lambda c, d: (c[0] + d[0], c[1] + d[1])).collect())
        [('a', (4, 2)), ('b', (2, 1))]
        """
        from sparklite.core.shuffle import combine_values
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        aggregator = Aggregator(createCombiner, mergeValue, mergeCombiners)
        partitioner = Partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self.mapPartitionsWithIndex(
                lambda _, it: combine_values(aggregator, it), preservesPartitioning=True)
        return self._kinds.ShuffledRDD(self, partitioner, aggregator, map_side_combine=True)

    def reduceByKey(self, func, numPartitions=None, partitionFunc=portable_hash):
        """Merge the values of each key with ``func(a, b)`` (commutative and associative), within
        each partition before the shuffle and across partitions after it. The result is
        hash-partitioned with ``partitionFunc`` into ``numPartitions`` (default: this RDD's
        partition count, or ``spark.default.parallelism`` when set).

        >>> pairs = sc.parallelize([("a", 1), ("b", 1), ("a", 1)])
        >>> sorted(pairs.reduceByKey(lambda a, b: a + b).collect())
        [('a', 2), ('b', 1)]
        """
        return self.combineByKey(_identity, func, func, numPartitions, partitionFunc)

    def aggregateByKey(self, zeroValue, seqFunc, combFunc, numPartitions=None, partitionFunc=portable_hash):
        """Aggregate each key's values into a result of another type: within a partition the
        values are folded into ``zeroValue`` with ``seqFunc(acc, v)``, then the partial results
        are merged with ``combFunc(acc1, acc2)``. ``zeroValue`` is deep-copied for each key in
        each partition, so a list or a set is safe to change in place. Partitioned as in
        ``reduceByKey``.

        >>> pairs = sc.parallelize([("a", 1), ("a", 5), ("b", 2)])
        >>> sorted(pairs.aggregateByKey(0, max, max).collect())
        [('a', 5), ('b', 2)]
        """
        return self.combineByKey(lambda v: seqFunc(copy.deepcopy(zeroValue), v), seqFunc, combFunc,
                                 numPartitions, partitionFunc)

    def foldByKey(self, zeroValue, func, numPartitions=None, partitionFunc=portable_hash):
        """Merge each key's values with ``func``, starting from a deep copy of ``zeroValue`` in
        each partition where the key occurs; ``zeroValue`` should be neutral for ``func``.
        Partitioned as in ``reduceByKey``.

        >>> pairs = sc.parallelize([("a", 1), ("a", 2), ("b", 3)])
        >>> sorted(pairs.foldByKey(0, lambda a, b: a + b).collect())
        [('a', 3), ('b', 3)]
        """
        return self.combineByKey(lambda v: func(copy.deepcopy(zeroValue), v), func, func,
                                 numPartitions, partitionFunc)

    def groupByKey(self, numPartitions=None, partitionFunc=portable_hash):
        """Pairs ``(key, values)``, ``values`` being a ``ResultIterable`` (iterable, with
        ``len``) of all the key's values. A key's values are held in memory together; for an
        aggregate, ``reduceByKey`` or ``aggregateByKey`` moves far less data. Partitioned as in
        ``reduceByKey``.

        >>> pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3)])
        >>> sorted((k, sorted(v)) for k, v in pairs.groupByKey().collect())
        [('a', [1, 3]), ('b', [2])]
        """
        grouped = self.combineByKey(lambda v: [v], _append, _extend, numPartitions, partitionFunc)
        return grouped.mapValues(ResultIterable)

    def groupBy(self, f, numPartitions=None, partitionFunc=portable_hash):
        """Group the records by ``f(x)``: pairs ``(f(x), ResultIterable of records)``, as
        ``groupByKey`` on ``keyBy(f)``.

        >>> groups = sc.parallelize(range(5)).groupBy(lambda x: x % 2)
        >>> sorted((k, sorted(v)) for k, v in groups.collect())
        [(0, [0, 2, 4]), (1, [1, 3])]
        """
        return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)

    def distinct(self, numPartitions=None):
        """The records without duplicates (they must be hashable), through a shuffle into
        ``numPartitions``; the result has no partitioner.

        >>> sorted(sc.parallelize([1, 2, 1, 3, 2]).distinct().collect())
        [1, 2, 3]
        """
        return self.map(lambda x: (x, None)).reduceByKey(lambda x, _: x, numPartitions).map(lambda x: x[0])

    # -- joins and set operations -------------------------------------------------------------
    def cogroup(self, other, numPartitions=None):
        """For every key of either RDD, ``(key, (values here, values in other))``, each a
        ``ResultIterable`` (empty when the key is missing on that side). ``numPartitions``
        defaults to the sum of both partition counts, or to their partitioner's count when both
        share one (``spark.default.parallelism`` when set).

        >>> x, y = sc.parallelize([("a", 1), ("b", 2)]), sc.parallelize([("a", 3)])
        >>> sorted((k, (list(v), list(w))) for k, (v, w) in x.cogroup(y).collect())
        [('a', ([1], [3])), ('b', ([2], []))]
        """
        return self.groupWith(other, numPartitions=numPartitions)

    def groupWith(self, other, *others, numPartitions=None):
        """``cogroup`` with one or more RDDs: ``(key, (values here, values in other, values in
        each of others...))``. sparklite also takes a keyword ``numPartitions`` (default as in
        ``cogroup``)."""
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
            return self._kinds.CoPartitionedJoinRDD(self, other, left_default, right_default)
        tagged = self.mapValues(lambda v: (1, v)).union(other.mapValues(lambda v: (2, v)))
        return tagged.groupByKey(numPartitions).flatMapValues(_dispatch_join(left_default, right_default))

    def join(self, other, numPartitions=None):
        """Inner join on the key: ``(k, (v, w))`` for every value ``v`` here and ``w`` in
        ``other`` with the same key; keys on one side only are dropped. The result is
        hash-partitioned; ``numPartitions`` defaults as in ``cogroup``. When both sides are
        already hash-partitioned alike (``partitionBy`` with the default function and that
        count), they are joined partition by partition, no shuffle.

        >>> x, y = sc.parallelize([("a", 1), ("b", 2)]), sc.parallelize([("a", 3), ("a", 4)])
        >>> sorted(x.join(y).collect())
        [('a', (1, 3)), ('a', (1, 4))]
        """
        return self._join(other, numPartitions, False, False)

    def leftOuterJoin(self, other, numPartitions=None):
        """Like ``join``, but keys found only in this RDD are kept, as ``(k, (v, None))``.

        >>> x, y = sc.parallelize([("a", 1), ("b", 2)]), sc.parallelize([("a", 3)])
        >>> sorted(x.leftOuterJoin(y).collect())
        [('a', (1, 3)), ('b', (2, None))]
        """
        return self._join(other, numPartitions, False, True)

    def rightOuterJoin(self, other, numPartitions=None):
        """Like ``join``, but keys found only in ``other`` are kept, as ``(k, (None, w))``.

        >>> x, y = sc.parallelize([("a", 1)]), sc.parallelize([("a", 3), ("c", 4)])
        >>> sorted(x.rightOuterJoin(y).collect())
        [('a', (1, 3)), ('c', (None, 4))]
        """
        return self._join(other, numPartitions, True, False)

    def fullOuterJoin(self, other, numPartitions=None):
        """Like ``join``, but keys found on one side only are kept, with None for the missing
        side.

        >>> x, y = sc.parallelize([("a", 1), ("b", 2)]), sc.parallelize([("a", 3), ("c", 4)])
        >>> sorted(x.fullOuterJoin(y).collect())
        [('a', (1, 3)), ('b', (2, None)), ('c', (None, 4))]
        """
        return self._join(other, numPartitions, True, True)

    def subtractByKey(self, other, numPartitions=None):
        """The pairs of this RDD whose key does not occur in ``other`` (whatever its values).
        ``numPartitions`` defaults as in ``cogroup``.

        >>> x, y = sc.parallelize([("a", 1), ("b", 2)]), sc.parallelize([("a", 0)])
        >>> sorted(x.subtractByKey(y).collect())
        [('b', 2)]
        """
        def only_left(pair):
            key, (left, right) = pair
            return left and not right
        return self.cogroup(other, numPartitions).filter(only_left).flatMapValues(lambda x: x[0])

    def subtract(self, other, numPartitions=None):
        """The records of this RDD that do not occur in ``other``; repeats of a kept record stay.
        ``numPartitions`` defaults as in ``cogroup``.

        >>> sorted(sc.parallelize([1, 2, 2, 3]).subtract(sc.parallelize([3])).collect())
        [1, 2, 2]
        """
        return self.map(lambda x: (x, True)).subtractByKey(other.map(lambda x: (x, True)), numPartitions).keys()

    def intersection(self, other):
        """The distinct records found in both RDDs, through a shuffle (partition count as in
        ``cogroup``).

        >>> sorted(sc.parallelize([1, 2, 2, 3]).intersection(sc.parallelize([2, 3, 4])).collect())
        [2, 3]
        """
        return (self.map(lambda v: (v, None)).cogroup(other.map(lambda v: (v, None)))
                .filter(lambda kv: all(kv[1])).keys())

    # -- sorting ------------------------------------------------------------------------------
    def sortByKey(self, ascending: bool = True, numPartitions=None, keyfunc=_identity):
        """Sort the pairs by ``keyfunc(key)``, ascending unless ``ascending=False``. The pairs
        are range-partitioned into ``numPartitions`` (default: this RDD's count, or
        ``spark.default.parallelism`` when set) by bounds taken from a sample of the keys, which
        costs one job, and each partition is sorted; ``collect`` then returns them in order. With
        one partition no sample is taken; an empty RDD is returned as it is.

        >>> sc.parallelize([("b", 1), ("c", 2), ("a", 3)]).sortByKey().collect()
        [('a', 3), ('b', 1), ('c', 2)]
        """
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
        """Sort the records by ``keyfunc(x)``; partitions as in ``sortByKey``.

        >>> sc.parallelize([3, 1, 2]).sortBy(lambda x: -x).collect()
        [3, 2, 1]
        """
        return self.keyBy(keyfunc).sortByKey(ascending, numPartitions).values()

    def repartitionAndSortWithinPartitions(self, numPartitions=None, partitionFunc=portable_hash,
                                           ascending: bool = True, keyfunc=_identity):
        """``partitionBy(numPartitions, partitionFunc)``, then each partition sorted by
        ``keyfunc(key)`` (descending if ``ascending=False``). There is no order across
        partitions.

        >>> rdd = sc.parallelize([(3, "c"), (1, "a"), (2, "b"), (4, "d")])
        >>> rdd.repartitionAndSortWithinPartitions(2, lambda k: k % 2).glom().collect()
        [[(2, 'b'), (4, 'd')], [(1, 'a'), (3, 'c')]]
        """
        from sparklite.core.shuffle import sort_partition
        if numPartitions is None:
            numPartitions = self._default_reduce_partitions()
        return self.partitionBy(numPartitions, partitionFunc).mapPartitions(
            lambda it: sort_partition(it, lambda kv: keyfunc(kv[0]), not ascending), True)

    def sampleByKey(self, withReplacement: bool, fractions: dict, seed=None):
        """A sample with a rate per key: a pair is kept with probability ``fractions[key]``
        (without replacement) or appears that many times on average (with replacement).
        ``fractions`` needs an entry for every key present; sizes are not exact. Keeps the
        partitioner.

        Example::

            sample = mail.sampleByKey(False, {"spam": 0.1, "ham": 0.01}, seed=3)
        """
        from sparklite.core.sampling import StratifiedSampler
        for fraction in fractions.values():
            assert fraction >= 0.0, "Negative fraction value: %s" % fraction
        return self.mapPartitionsWithIndex(StratifiedSampler(withReplacement, fractions, seed).sample, True)

    # -- pair actions -------------------------------------------------------------------------
    def countByKey(self) -> dict:
        """How many pairs each key has, as a ``defaultdict(int)`` built on the driver.

        >>> sorted(sc.parallelize([("a", 1), ("b", 1), ("a", 2)]).countByKey().items())
        [('a', 2), ('b', 1)]
        """
        return self.map(lambda x: x[0]).countByValue()

    def collectAsMap(self) -> dict:
        """The pairs as a dict on the driver; of pairs with the same key, the last (in partition
        order) wins.

        >>> sc.parallelize([("a", 1), ("b", 2), ("a", 3)]).collectAsMap()
        {'a': 3, 'b': 2}
        """
        return dict(self.collect())

    def lookup(self, key) -> list:
        """The values of ``key``, as a list. With a partitioner only the partition that can hold
        the key is read; otherwise every partition is scanned.

        >>> sc.parallelize([("a", 1), ("b", 2), ("a", 3)]).lookup("a")
        [1, 3]
        """
        values = self.filter(lambda kv: kv[0] == key).values()
        if self.partitioner is not None:
            return self.ctx.run_job(values, list, [self.partitioner(key)])[0]
        return values.collect()

    def reduceByKeyLocally(self, func) -> dict:
        """Like ``reduceByKey`` but without a shuffle, returning a dict: each partition reduces
        its pairs into a dict, and the driver merges those with ``func``.

        >>> pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3)])
        >>> sorted(pairs.reduceByKeyLocally(lambda a, b: a + b).items())
        [('a', 4), ('b', 2)]
        """
        def reduce_partition(iterator):
            m = {}
            for k, v in iterator:
                m[k] = func(m[k], v) if k in m else v
            return m

        def merge(m1, m2):
            for k, v in m2.items():
                m1[k] = func(m1[k], v) if k in m1 else v
            return m1

        return functools.reduce(merge, self.ctx.run_job(self, reduce_partition), {})
