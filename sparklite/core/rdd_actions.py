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
    # -- collecting ---------------------------------------------------------------------------
    def collect(self) -> list:
        return [x for part in self.ctx._run_job(self, list) for x in part]

    def collectWithJobGroup(self, groupId: str, description: str, interruptOnCancel: bool = False):
        self.ctx.setJobGroup(groupId, description, interruptOnCancel)
        return self.collect()

    def count(self) -> int:
        from sparklite.core.rdd import _count
        return sum(self.ctx._run_job(self, _count))

    def countApprox(self, timeout: int, confidence: float = 0.95) -> int:
        return self.count()

    def sumApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        total = float(self.sum())
        return BoundedFloat(total, confidence, total, total)

    def meanApprox(self, timeout: int, confidence: float = 0.95) -> BoundedFloat:
        mean = float(self.mean())
        return BoundedFloat(mean, confidence, mean, mean)

    def countApproxDistinct(self, relativeSD: float = 0.05) -> int:
        HyperLogLog(relativeSD)  # validates relativeSD before any job runs

        def sketch(iterator):
            hll = HyperLogLog(relativeSD)
            for x in iterator:
                hll.add_hash(portable_hash(x) & 0xFFFFFFFF)
            return hll

        return functools.reduce(HyperLogLog.merge, self.ctx._run_job(self, sketch)).estimate()

    def countByValue(self) -> dict:
        def count_partition(iterator):
            counts = defaultdict(int)
            for obj in iterator:
                counts[obj] += 1
            return counts

        def merge(a, b):
            for k, v in b.items():
                a[k] += v
            return a

        return functools.reduce(merge, self.ctx._run_job(self, count_partition), defaultdict(int))

    def take(self, num: int) -> list:
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
            for part in self.ctx._run_job(self, lambda it: _take(it, left), parts):
                items.extend(part)
            scanned += to_try
        return items[:num]

    def first(self):
        rs = self.take(1)
        if rs:
            return rs[0]
        raise ValueError("RDD is empty")

    def isEmpty(self) -> bool:
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def top(self, num: int, key=None) -> list:
        return self.mapPartitions(lambda it: [heapq.nlargest(num, it, key=key)]).reduce(
            lambda a, b: heapq.nlargest(num, a + b, key=key))

    def takeOrdered(self, num: int, key=None) -> list:
        if num < 0:
            raise ValueError("top N cannot be negative.")
        if num == 0 or self.getNumPartitions() == 0:
            return []
        return self.mapPartitions(lambda it: [heapq.nsmallest(num, it, key=key)]).reduce(
            lambda a, b: heapq.nsmallest(num, a + b, key=key))

    def takeSample(self, withReplacement: bool, num: int, seed=None) -> list:
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
        """The records, one partition job at a time, started when the previous partition is consumed;
        with ``prefetchPartitions`` the next partition's job runs while the current one is consumed."""
        n = self.getNumPartitions()
        if not prefetchPartitions:
            for split in range(n):
                yield from self.ctx._run_job(self, list, [split])[0]
            return
        upcoming = None
        try:
            for split in range(n):
                current = upcoming or self.ctx._submit_job(self, list, [split])
                upcoming = self.ctx._submit_job(self, list, [split + 1]) if split + 1 < n else None
                yield from self.ctx._await_job(current)[0]
        finally:
            if upcoming is not None and not upcoming.done:   # the consumer stopped early
                self.ctx.cancelJob(upcoming.job_id, "toLocalIterator was closed")

    # -- aggregating --------------------------------------------------------------------------
    def reduce(self, f):
        values = [v for part in self.ctx._run_job(self, _reduce_partition(f)) for v in part]
        if values:
            return functools.reduce(f, values)
        raise ValueError("Can not reduce() empty RDD")

    def treeReduce(self, f, depth: int = 2):
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
        return functools.reduce(op, self.ctx._run_job(self, _fold_partition(zeroValue, op)), zeroValue)

    def aggregate(self, zeroValue, seqOp, combOp):
        parts = self.ctx._run_job(self, _fold_partition(zeroValue, seqOp))
        return functools.reduce(combOp, parts, zeroValue)

    def treeAggregate(self, zeroValue, seqOp, combOp, depth: int = 2):
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
        return self.reduce(max if key is None else (lambda a, b: max(a, b, key=key)))

    def min(self, key=None):
        return self.reduce(min if key is None else (lambda a, b: min(a, b, key=key)))

    def sum(self):
        return functools.reduce(operator.add, self.ctx._run_job(self, sum), 0)

    def stats(self) -> StatCounter:
        return self.mapPartitions(lambda it: [StatCounter(it)]).reduce(StatCounter.mergeStats)

    def mean(self):
        return self.stats().mean()

    def variance(self):
        return self.stats().variance()

    def stdev(self):
        return self.stats().stdev()

    def sampleStdev(self):
        return self.stats().sampleStdev()

    def sampleVariance(self):
        return self.stats().sampleVariance()

    def histogram(self, buckets):
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

        parts = self.ctx._run_job(self, count_partition)
        return buckets, functools.reduce(lambda a, b: [i + j for i, j in zip(a, b)], parts)

    # -- side effects and output --------------------------------------------------------------
    def foreach(self, f) -> None:
        def run(iterator):
            for x in iterator:
                f(x)
        self.ctx._run_job(self, run)

    def foreachPartition(self, f) -> None:
        def run(iterator):
            result = f(iterator)
            if result is not None:
                for _ in result:
                    pass
        self.ctx._run_job(self, run)

    def saveAsTextFile(self, path: str, compressionCodecClass: str | None = None) -> None:
        from sparklite.core import files
        files.save_partitions(self, path, files.write_text_part, compressionCodecClass)

    def saveAsPickleFile(self, path: str, batchSize: int = 10) -> None:
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
