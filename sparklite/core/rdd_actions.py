"""RDD actions: the methods that run jobs and bring results to the driver.

Contract: each action is one or more ``SparkContext.runJob`` calls whose per-partition function
reduces a partition to a small value on the executor (a count, a partial fold, a top-N); the driver
merges those in partition order, so results equal PySpark's for the same program. ``collect`` fails
with ``ResultTooLargeError`` past ``spark.driver.maxResultSize``; ``toLocalIterator`` holds one
partition on the driver at a time.
"""
from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import operator
import random
import sys
from collections import defaultdict

from sparklite.core.hashing import portable_hash
from sparklite.core.sampling import fraction_for_sample_size
from sparklite.core.stats import HyperLogLog, StatCounter


class BoundedFloat(float):
    """An approximate result with a confidence interval (PySpark's ``BoundedFloat``)."""

    def __new__(cls, mean, confidence, low, high):
        obj = float.__new__(cls, mean)
        obj.confidence, obj.low, obj.high = confidence, low, high
        return obj


def _fold_partition(zero, op):
    def fold(iterator):
        acc = zero
        for obj in iterator:
            acc = op(acc, obj)
        return acc
    return fold


def _reduce_partition(f):
    def reduce_(iterator):
        iterator = iter(iterator)
        for first in iterator:
            return [functools.reduce(f, iterator, first)]
        return []
    return reduce_


class ActionsMixin:
    """The actions of ``RDD``: methods that run one or more jobs and return a result to the
    driver, or write output. Mixed into ``RDD``; not used on its own."""
    # -- collecting ---------------------------------------------------------------------------
    def collect(self) -> list:
        """Every record, as a list on the driver, in partition order. Only for results that fit
        in the driver's memory: past ``spark.driver.maxResultSize`` the job fails with
        ``ResultTooLargeError``.

        >>> sc.parallelize([3, 1, 2]).collect()
        [3, 1, 2]
        """
        return [x for part in self.ctx.run_job(self, list) for x in part]

    def collectWithJobGroup(self, groupId: str, description: str, interruptOnCancel: bool = False):
        """``collect`` in the job group ``groupId`` (see ``SparkContext.setJobGroup``). The group
        stays set on the calling thread afterwards. Deprecated in PySpark; prefer ``setJobGroup``
        then ``collect``."""
        self.ctx.setJobGroup(groupId, description, interruptOnCancel)
        return self.collect()

    def count(self) -> int:
        """The number of records.

        >>> sc.parallelize(range(10), 3).count()
        10
        """
        return sum(self.ctx.run_job(self, count_records))

    def countApprox(self, timeout: int, confidence: float = 0.95) -> int:
        """The number of records. sparklite always returns the exact ``count()``: it waits for
        the job and ignores ``timeout`` and ``confidence``."""
        return self.count()

    def sumApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        """The sum of the records as a ``BoundedFloat``. sparklite waits for the exact sum
        (``timeout`` is ignored), so ``low`` and ``high`` both equal it."""
        total = float(self.sum())
        return BoundedFloat(total, confidence, total, total)

    def meanApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        """The mean of the records as a ``BoundedFloat``. sparklite waits for the exact mean
        (``timeout`` is ignored), so ``low`` and ``high`` both equal it."""
        mean = float(self.mean())
        return BoundedFloat(mean, confidence, mean, mean)

    def countApproxDistinct(self, relativeSD: float = 0.05) -> int:
        """An estimate of the number of distinct records, from HyperLogLog sketches built per
        partition and merged on the driver. ``relativeSD`` is the target relative error (at least
        0.000017; smaller costs more memory). Records are hashed with ``portable_hash``.

        Example::

            visitors = clicks.map(lambda c: c.user_id).countApproxDistinct(0.01)
        """
        HyperLogLog(relativeSD)  # validates relativeSD before any job runs

        def sketch(iterator):
            hll = HyperLogLog(relativeSD)
            for x in iterator:
                hll.add_hash(portable_hash(x) & 0xFFFFFFFF)
            return hll

        return functools.reduce(HyperLogLog.merge, self.ctx.run_job(self, sketch)).estimate()

    def countByValue(self) -> dict:
        """How often each distinct record occurs, as a ``defaultdict(int)`` built on the driver:
        meant for few distinct values.

        >>> sorted(sc.parallelize(["a", "b", "a"]).countByValue().items())
        [('a', 2), ('b', 1)]
        """
        def count_partition(iterator):
            counts = defaultdict(int)
            for obj in iterator:
                counts[obj] += 1
            return counts

        def merge(a, b):
            for k, v in b.items():
                a[k] += v
            return a

        return functools.reduce(merge, self.ctx.run_job(self, count_partition), defaultdict(int))

    def take(self, num: int) -> list:
        """The first ``num`` records, in partition order (fewer if the RDD is smaller). It reads
        one partition first and then more per job, up to four times as many as already read,
        until it has enough, so it is usually far cheaper than ``collect``.

        >>> sc.parallelize(range(100), 10).take(3)
        [0, 1, 2]
        """
        items: list = []
        total, scanned = self.getNumPartitions(), 0
        while len(items) < num and scanned < total:
            to_try = 1
            if scanned > 0:
                if not items:
                    to_try = scanned * 4
                else:
                    to_try = int(1.5 * num * scanned / len(items)) - scanned
                    to_try = min(max(to_try, 1), scanned * 4)
            left = num - len(items)
            parts = range(scanned, min(scanned + to_try, total))
            for part in self.ctx.run_job(self, lambda it: _take(it, left), parts):
                items.extend(part)
            scanned += to_try
        return items[:num]

    def first(self):
        """The first record (``take(1)``); raises ValueError when the RDD is empty."""
        rs = self.take(1)
        if rs:
            return rs[0]
        raise ValueError("RDD is empty")

    def isEmpty(self) -> bool:
        """True if the RDD has no records; stops reading at the first record found."""
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def top(self, num: int, key=None) -> list:
        """The ``num`` largest records, largest first, compared by ``key(x)`` when ``key`` is
        given. Each partition sends only its own top ``num`` to the driver.

        >>> sc.parallelize([5, 1, 4, 2]).top(2)
        [5, 4]
        """
        return self.mapPartitions(lambda it: [heapq.nlargest(num, it, key=key)]).reduce(
            lambda a, b: heapq.nlargest(num, a + b, key=key))

    def takeOrdered(self, num: int, key=None) -> list:
        """The ``num`` smallest records, smallest first, compared by ``key(x)`` when ``key`` is
        given (``key=lambda x: -x`` gives the largest). ValueError when ``num`` is negative.

        >>> sc.parallelize([5, 1, 4, 2]).takeOrdered(2)
        [1, 2]
        """
        if num < 0:
            raise ValueError("top N cannot be negative.")
        if num == 0 or self.getNumPartitions() == 0:
            return []
        return self.mapPartitions(lambda it: [heapq.nsmallest(num, it, key=key)]).reduce(
            lambda a, b: heapq.nsmallest(num, a + b, key=key))

    def takeSample(self, withReplacement: bool, num: int, seed=None) -> list:
        """A list of ``num`` random records in random order; without replacement, all records
        (shuffled) when the RDD has fewer. It counts the RDD first, then samples until it has
        enough, so it runs at least two jobs. The same ``seed`` gives the same result. The sample
        comes to the driver: keep ``num`` small.

        Example::

            five = rdd.takeSample(False, 5, seed=1)
        """
        max_size = sys.maxsize - int(10.0 * math.sqrt(sys.maxsize))
        if num < 0:
            raise ValueError("Sample size cannot be negative.")
        if num > max_size:
            raise ValueError("Sample size cannot be greater than %d." % max_size)
        if num == 0 or self.getNumPartitions() == 0:
            return []
        initial = self.count()
        if initial == 0:
            return []
        rng = random.Random(seed)
        if not withReplacement and num >= initial:
            samples = self.collect()
            rng.shuffle(samples)
            return samples
        fraction = fraction_for_sample_size(num, initial, withReplacement)
        samples = self.sample(withReplacement, fraction, seed).collect()
        while len(samples) < num:
            seed = rng.randint(0, sys.maxsize)
            samples = self.sample(withReplacement, fraction, seed).collect()
        rng.shuffle(samples)
        return samples[0:num]

    def toLocalIterator(self, prefetchPartitions: bool = False):
        """An iterator over every record that holds one partition on the driver at a time: each
        partition's job starts when the previous partition is consumed. With
        ``prefetchPartitions`` the next partition's job runs while the current one is consumed.
        Closing the iterator early cancels the prefetching job."""
        n = self.getNumPartitions()
        if not prefetchPartitions:
            for split in range(n):
                yield from self.ctx.run_job(self, list, [split])[0]
            return
        upcoming = None
        try:
            for split in range(n):
                current = upcoming or self.ctx.submit_job(self, list, [split])
                upcoming = self.ctx.submit_job(self, list, [split + 1]) if split + 1 < n else None
                yield from current.result()[0]
        finally:
            if upcoming is not None and not upcoming.done:   # the consumer stopped early
                self.ctx.cancelJob(upcoming.job_id, "toLocalIterator was closed")

    # -- aggregating --------------------------------------------------------------------------
    def reduce(self, f):
        """Combine all records with ``f(a, b)``, which must be commutative and associative: first
        within each partition, then the partition results on the driver. Raises ValueError on an
        empty RDD.

        >>> sc.parallelize(range(1, 5)).reduce(lambda a, b: a * b)
        24
        """
        values = [v for part in self.ctx.run_job(self, _reduce_partition(f)) for v in part]
        if values:
            return functools.reduce(f, values)
        raise ValueError("Can not reduce() empty RDD")

    def treeReduce(self, f, depth: int = 2):
        """Like ``reduce``, but the partition results are combined through shuffles in a tree of
        ``depth`` levels, so the driver merges only a few: for many partitions or large partial
        results. Raises ValueError on an empty RDD or a ``depth`` below 1."""
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got %d." % depth)
        zero = (None, True)  # (value, is-dummy) so empty partitions drop out

        def op(x, y):
            if x[1]:
                return y
            if y[1]:
                return x
            return f(x[0], y[0]), False

        reduced = self.map(lambda x: (x, False)).treeAggregate(zero, op, op, depth)
        if reduced[1]:
            raise ValueError("Cannot reduce empty RDD.")
        return reduced[0]

    def fold(self, zeroValue, op):
        """Fold each partition with ``op(acc, x)`` starting from ``zeroValue``, then fold the
        partition results on the driver, again from ``zeroValue``. Since ``zeroValue`` is used
        once per partition and once more, it should be neutral for ``op`` (0 for addition, 1 for
        products).

        >>> sc.parallelize([1, 2, 3], 2).fold(0, lambda a, b: a + b)
        6
        """
        return functools.reduce(op, self.ctx.run_job(self, _fold_partition(zeroValue, op)), zeroValue)

    def aggregate(self, zeroValue, seqOp, combOp):
        """Aggregate into a result of another type: each partition folds its records into
        ``zeroValue`` with ``seqOp(acc, x)``, and the driver merges the partition results with
        ``combOp(acc1, acc2)``, starting from ``zeroValue``, which should be neutral for both.

        >>> sc.parallelize([1, 2, 3, 4], 2).aggregate(
        ...     (0, 0), lambda acc, x: (acc[0] + x, acc[1] + 1), lambda a, b: (a[0] + b[0], a[1] + b[1]))
        (10, 4)
        """
        parts = self.ctx.run_job(self, _fold_partition(zeroValue, seqOp))
        return functools.reduce(combOp, parts, zeroValue)

    def treeAggregate(self, zeroValue, seqOp, combOp, depth: int = 2):
        """Like ``aggregate``, but the partition results are merged with ``combOp`` through
        shuffles in a tree of ``depth`` levels before the driver merges the last few. An RDD
        without partitions gives ``zeroValue``; ValueError for a ``depth`` below 1."""
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got %d." % depth)
        if self.getNumPartitions() == 0:
            return zeroValue
        partial = self.mapPartitions(lambda it: [_fold_partition(zeroValue, seqOp)(it)])
        num_partitions = partial.getNumPartitions()
        scale = max(int(math.ceil(pow(num_partitions, 1.0 / depth))), 2)
        while num_partitions > scale + num_partitions / scale:
            num_partitions /= scale
            current = int(num_partitions)
            partial = (partial.mapPartitionsWithIndex(lambda i, it, n=current: ((i % n, x) for x in it))
                       .reduceByKey(combOp, current).values())
        return partial.reduce(combOp)

    def max(self, key=None):
        """The largest record, compared by ``key(x)`` when ``key`` is given; ValueError on an
        empty RDD.

        >>> sc.parallelize([3, 7, 5]).max()
        7
        """
        return self.reduce(max if key is None else (lambda a, b: max(a, b, key=key)))

    def min(self, key=None):
        """The smallest record, compared by ``key(x)`` when ``key`` is given; ValueError on an
        empty RDD.

        >>> sc.parallelize(["ccc", "a", "bb"]).min(key=len)
        'a'
        """
        return self.reduce(min if key is None else (lambda a, b: min(a, b, key=key)))

    def sum(self):
        """The sum of the records; 0 for an empty RDD.

        >>> sc.parallelize([1.5, 2.5]).sum()
        4.0
        """
        return functools.reduce(operator.add, self.ctx.run_job(self, sum), 0)

    def stats(self) -> StatCounter:
        """A ``StatCounter`` of the numeric records (count, mean, sum, min, max, variance and
        deviation), computed in one pass.

        >>> s = sc.parallelize([1, 2, 3, 4]).stats()
        >>> (s.count(), s.mean(), s.sum())
        (4, 2.5, 10.0)
        """
        return self.mapPartitions(lambda it: [StatCounter(it)]).reduce(StatCounter.mergeStats)

    def mean(self):
        """The mean of the numeric records (0.0 for an empty RDD)."""
        return self.stats().mean()

    def variance(self):
        """The population variance of the numeric records (dividing by the count; nan if empty)."""
        return self.stats().variance()

    def stdev(self):
        """The population standard deviation of the numeric records (dividing by the count)."""
        return self.stats().stdev()

    def sampleStdev(self):
        """The sample standard deviation of the numeric records (dividing by count - 1)."""
        return self.stats().sampleStdev()

    def sampleVariance(self):
        """The sample variance of the numeric records (dividing by count - 1)."""
        return self.stats().sampleVariance()

    def histogram(self, buckets):
        """Count the records per bucket; returns ``(bucket bounds, counts)``. ``buckets`` is
        either a number of equal-width buckets spanning the smallest to the largest record, or a
        sorted list of at least two distinct bounds. A bucket holds values from its lower bound
        up to, not including, its upper one, except the last, which includes both. Values outside
        the bounds, None and NaN are skipped.

        >>> sc.parallelize([1, 2, 3, 4, 10]).histogram([0, 5, 10])
        ([0, 5, 10], [4, 1])
        """
        if isinstance(buckets, int):
            if buckets < 1:
                raise ValueError("number of buckets must be >= 1")
            comparable = self.filter(lambda x: x is not None and not (type(x) is float and math.isnan(x)))
            try:
                minv, maxv = comparable.map(lambda x: (x, x)).reduce(
                    lambda a, b: (min(a[0], b[0]), max(a[1], b[1])))
            except ValueError as e:
                if "empty" in str(e):
                    raise ValueError("can not generate buckets from empty RDD") from None
                raise
            if minv == maxv or buckets == 1:
                return [minv, maxv], [comparable.count()]
            try:
                inc = (maxv - minv) / buckets
            except TypeError:
                raise TypeError("Can not generate buckets with non-number in RDD") from None
            if math.isinf(inc):
                raise ValueError("Can not generate buckets with infinite value")
            inc = int(inc)
            if inc * buckets != maxv - minv:
                inc = (maxv - minv) * 1.0 / buckets
            buckets = [i * inc + minv for i in range(buckets)]
            buckets.append(maxv)
            even = True
        elif isinstance(buckets, (list, tuple)):
            if len(buckets) < 2:
                raise ValueError("buckets should have more than one value")
            if any(b is None or (isinstance(b, float) and math.isnan(b)) for b in buckets):
                raise ValueError("can not have None or NaN in buckets")
            if sorted(buckets) != list(buckets):
                raise ValueError("buckets should be sorted")
            if len(set(buckets)) != len(buckets):
                raise ValueError("buckets should not contain duplicated values")
            minv, maxv, even, inc = buckets[0], buckets[-1], False, None
            try:
                steps = [buckets[i + 1] - buckets[i] for i in range(len(buckets) - 1)]
            except TypeError:
                pass
            else:
                if max(steps) - min(steps) < 1e-10:
                    even, inc = True, (maxv - minv) / (len(buckets) - 1)
        else:
            raise TypeError("buckets should be a list or tuple or number(int or long)")

        def count_partition(iterator):
            counters = [0] * len(buckets)
            for i in iterator:
                if i is None or (isinstance(i, float) and math.isnan(i)) or i > maxv or i < minv:
                    continue
                t = int((i - minv) / inc) if even else bisect.bisect_right(buckets, i) - 1
                counters[t] += 1
            last = counters.pop()
            counters[-1] += last
            return counters

        parts = self.ctx.run_job(self, count_partition)
        return buckets, functools.reduce(lambda a, b: [i + j for i, j in zip(a, b)], parts)

    # -- side effects and output --------------------------------------------------------------
    def foreach(self, f) -> None:
        """Call ``f(x)`` on every record, on the executors, for its side effects. To send values
        back to the driver use an accumulator."""
        def run(iterator):
            for x in iterator:
                f(x)
        self.ctx.run_job(self, run)

    def foreachPartition(self, f) -> None:
        """Call ``f(iterator)`` once per partition on the executors, e.g. to open one connection
        per partition. If ``f`` returns an iterable (it is a generator, say), that is run to its
        end."""
        def run(iterator):
            result = f(iterator)
            if result is not None:
                for _ in result:
                    pass
        self.ctx.run_job(self, run)

    def saveAsTextFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        """Write the records as text under the new directory ``path`` (local or any filesystem
        pyarrow reaches): one ``part-NNNNN`` file per partition with one line per record
        (``str(x)``; bytes as they are), then an empty ``_SUCCESS`` file. FileExistsError if
        ``path`` exists. ``compressionCodecClass`` may be ``"gzip"``, ``"bzip2"``, ``"zstd"`` or
        the Hadoop codec class name of one of them; the files then get its suffix (``.gz`` ...).

        Example::

            counts.map(lambda kv: f"{kv[0]},{kv[1]}").saveAsTextFile("out/counts", "gzip")
        """
        from sparklite.core import files
        files.save_partitions(self, path, files.write_text_part, compressionCodecClass)

    def saveAsPickleFile(self, path: str, batchSize: int = 10) -> None:
        """Write the records, pickled in batches of ``batchSize``, under the new directory
        ``path``: one ``part-NNNNN`` file per partition and ``_SUCCESS``. ``sc.pickleFile(path)``
        reads them back. FileExistsError if ``path`` exists. The file format is sparklite's own,
        not PySpark's SequenceFile."""
        from sparklite.core import files
        files.save_partitions(self, path, functools.partial(files.write_pickle_part, batch_size=batchSize))


def _take(iterator, n: int) -> list:
    out = []
    if n <= 0:
        return out
    for x in iterator:
        out.append(x)
        if len(out) >= n:
            break
    return out


def count_records(iterator) -> int:
    """How many records an iterator yields, counted in C (``zip`` with ``itertools.count``)."""
    counter = itertools.count()
    for _ in zip(iterator, counter):
        pass
    return next(counter)
