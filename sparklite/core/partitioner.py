"""Partitioners: which reducer a key goes to.

Contract: a partitioner is called with a key and returns an int in ``[0, numPartitions)``. Two
partitioners are equal when they place every key alike (same class, count and function), which is
how joins and ``partitionBy`` avoid a shuffle of data already partitioned that way.
``HashPartitioner`` uses ``portable_hash``; ``RangePartitioner`` places keys by sorted bounds sampled
from the data, as ``sortByKey`` does.
"""
from __future__ import annotations

import bisect

from sparklite.core.hashing import portable_hash


def _identity(x):
    return x


class Partitioner:
    """PySpark's ``Partitioner(numPartitions, partitionFunc)``."""

    def __init__(self, numPartitions: int, partitionFunc=portable_hash):
        self.numPartitions = numPartitions
        self.partitionFunc = partitionFunc

    def __eq__(self, other) -> bool:
        return (isinstance(other, Partitioner) and type(self) is type(other)
                and self.numPartitions == other.numPartitions
                and self.partitionFunc == other.partitionFunc)

    def __hash__(self) -> int:
        return hash((type(self), self.numPartitions))

    def __call__(self, key) -> int:
        return self.partitionFunc(key) % self.numPartitions

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.numPartitions})"


class HashPartitioner(Partitioner):
    def __init__(self, numPartitions: int):
        super().__init__(numPartitions, portable_hash)

    def __eq__(self, other) -> bool:
        return isinstance(other, HashPartitioner) and self.numPartitions == other.numPartitions

    __hash__ = Partitioner.__hash__


class RangePartitioner(Partitioner):
    """Keys below ``bounds[0]`` go to partition 0, and so on; reversed when not ascending."""

    def __init__(self, bounds: list, ascending: bool = True, keyfunc=_identity):
        super().__init__(len(bounds) + 1, None)
        self.bounds = bounds
        self.ascending = ascending
        self.keyfunc = keyfunc

    def __call__(self, key) -> int:
        p = bisect.bisect_left(self.bounds, self.keyfunc(key))
        return p if self.ascending else self.numPartitions - 1 - p

    def __eq__(self, other) -> bool:
        return (isinstance(other, RangePartitioner) and self.bounds == other.bounds
                and self.ascending == other.ascending and self.keyfunc == other.keyfunc)

    __hash__ = Partitioner.__hash__

    @classmethod
    def from_sample(cls, sample: list, num_partitions: int, ascending: bool = True, keyfunc=_identity):
        """Bounds splitting a sorted sample of keys into ``num_partitions`` equal parts (PySpark's rule)."""
        sample = sorted(sample, key=keyfunc)
        bounds = [keyfunc(sample[int(len(sample) * (i + 1) / num_partitions)])
                  for i in range(num_partitions - 1)] if sample else []
        return cls(bounds, ascending, keyfunc)
