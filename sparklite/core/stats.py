"""Numeric summaries computed in one pass: ``StatCounter`` and a HyperLogLog sketch.

Contract: ``StatCounter`` keeps count, mean, the sum of squared deviations (Welford's update,
Chan's merge, the same arithmetic as PySpark so results agree to the last bit) and min/max, and
works on numbers and numpy arrays alike. ``HyperLogLog`` counts distinct 32-bit hashes within the
requested relative standard deviation; sketches of partitions merge by register-wise max.
"""
from __future__ import annotations

import copy
import math

import numpy as np


class StatCounter:
    """Running count, mean, variance, minimum and maximum of numbers, updated one value at a time.

    ``rdd.stats()`` returns one. Values may be plain numbers or numpy arrays of one shape (then
    every statistic is an array, computed element-wise). Counters built on separate parts of the
    data combine with ``mergeStats``. On an empty counter ``mean()`` and ``sum()`` are 0.0,
    ``min()`` is ``inf``, ``max()`` is ``-inf`` and the variances are ``nan``.

    Parameters:
        values: an optional iterable of values to ``merge`` at once.

    >>> from sparklite import StatCounter
    >>> s = StatCounter([1.0, 2.0, 3.0, 4.0])
    >>> s.count(), s.mean(), s.variance()
    (4, 2.5, 1.25)
    """

    def __init__(self, values=None):
        self.n = 0
        self.mu = 0.0
        self.m2 = 0.0
        self.maxValue = float("-inf")
        self.minValue = float("inf")
        for v in values or ():
            self.merge(v)

    def merge(self, value) -> "StatCounter":
        """Add one value to the statistics; returns this counter, so calls can be chained."""
        delta = value - self.mu
        self.n += 1
        self.mu += delta / self.n
        self.m2 += delta * (value - self.mu)
        self.maxValue = np.maximum(self.maxValue, value)
        self.minValue = np.minimum(self.minValue, value)
        return self

    def mergeStats(self, other: "StatCounter") -> "StatCounter":
        """Fold the statistics of ``other`` into this counter, as if its values had been merged
        here one by one; ``other`` is left unchanged. Returns this counter. Raises ``TypeError``
        if ``other`` is not a ``StatCounter``.

        Example: ``total = StatCounter([1, 2]).mergeStats(StatCounter([3, 4]))``
        """
        if not isinstance(other, StatCounter):
            raise TypeError("Can only merge StatCounter but got %s" % type(other))
        if other is self:
            return self.mergeStats(other.copy())
        if self.n == 0:
            self.mu, self.m2, self.n = other.mu, other.m2, other.n
            self.maxValue, self.minValue = other.maxValue, other.minValue
        elif other.n != 0:
            delta = other.mu - self.mu
            total = self.n + other.n
            if other.n * 10 < self.n:
                self.mu = self.mu + (delta * other.n) / total
            elif self.n * 10 < other.n:
                self.mu = other.mu - (delta * self.n) / total
            else:
                self.mu = (self.mu * self.n + other.mu * other.n) / total
            self.maxValue = np.maximum(self.maxValue, other.maxValue)
            self.minValue = np.minimum(self.minValue, other.minValue)
            self.m2 += other.m2 + (delta * delta * self.n * other.n) / total
            self.n = total
        return self

    def copy(self) -> "StatCounter":
        """An independent copy of this counter (merging into one does not change the other)."""
        return copy.deepcopy(self)

    def count(self) -> int:
        """How many values were merged."""
        return int(self.n)

    def mean(self):
        """The arithmetic mean of the values (0.0 when there are none)."""
        return self.mu

    def sum(self):
        """The total of the values, as count times mean (0.0 when there are none)."""
        return self.n * self.mu

    def min(self):
        """The smallest value merged (``inf`` when there are none)."""
        return self.minValue

    def max(self):
        """The largest value merged (``-inf`` when there are none)."""
        return self.maxValue

    def variance(self):
        """The population variance: mean squared distance from the mean, dividing by the count
        (``nan`` when there are no values)."""
        return float("nan") if self.n == 0 else self.m2 / self.n

    def sampleVariance(self):
        """The unbiased estimate of the variance from a sample, dividing by count - 1 (``nan``
        with fewer than two values)."""
        return float("nan") if self.n <= 1 else self.m2 / (self.n - 1)

    def stdev(self):
        """The population standard deviation, the square root of ``variance()``."""
        return np.sqrt(self.variance())

    def sampleStdev(self):
        """The sample standard deviation, the square root of ``sampleVariance()``."""
        return np.sqrt(self.sampleVariance())

    def asDict(self, sample: bool = False) -> dict:
        """The statistics as a dict with the keys ``count``, ``mean``, ``sum``, ``min``, ``max``,
        ``stdev`` and ``variance``.

        ``sample`` picks which ``stdev``/``variance`` are reported, the other way round from what
        its name suggests (kept so results match PySpark): the default ``False`` gives the sample
        ones (``sampleStdev``, ``sampleVariance``), ``True`` the population ones.
        """
        return {"count": self.count(), "mean": self.mean(), "sum": self.sum(), "min": self.min(),
                "max": self.max(), "stdev": self.stdev() if sample else self.sampleStdev(),
                "variance": self.variance() if sample else self.sampleVariance()}

    def __repr__(self) -> str:
        return "(count: %s, mean: %s, stdev: %s, max: %s, min: %s)" % (
            self.count(), self.mean(), self.stdev(), self.max(), self.min())


def _mix64(x: int) -> int:
    """splitmix64's finalizer: spreads a 32-bit hash over 64 bits."""
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class HyperLogLog:
    """HyperLogLog with a sparse start, as HLL++: exact (up to 64-bit hash collisions) while the
    distinct hashes seen are few, registers once they pass ``m`` (the register count)."""

    def __init__(self, relative_sd: float = 0.05):
        if relative_sd < 1.7e-05:
            raise ValueError("relativeSD should be greater than 0.000017")
        self.p = max(4, min(18, math.ceil(2 * math.log2(1.106 / relative_sd))))
        self.sparse: set | None = set()
        self.registers = bytearray(1 << self.p)

    def add_hash(self, h32: int) -> None:
        x = _mix64(h32)
        if self.sparse is not None:
            self.sparse.add(x)
            if len(self.sparse) > len(self.registers):
                self._densify()
            return
        self._add_dense(x)

    def _add_dense(self, x: int) -> None:
        index = x >> (64 - self.p)
        rest = (x << self.p) & 0xFFFFFFFFFFFFFFFF
        rank = 64 - self.p + 1 if rest == 0 else 65 - rest.bit_length()
        if rank > self.registers[index]:
            self.registers[index] = rank

    def _densify(self) -> None:
        for x in self.sparse:
            self._add_dense(x)
        self.sparse = None

    def merge(self, other: "HyperLogLog") -> "HyperLogLog":
        if self.sparse is not None and other.sparse is not None:
            self.sparse |= other.sparse
            if len(self.sparse) > len(self.registers):
                self._densify()
            return self
        if self.sparse is not None:
            self._densify()
        if other.sparse is not None:
            for x in other.sparse:
                self._add_dense(x)
            return self
        merged = np.maximum(np.frombuffer(self.registers, np.uint8), np.frombuffer(other.registers, np.uint8))
        self.registers = bytearray(merged.tobytes())
        return self

    def estimate(self) -> int:
        if self.sparse is not None:
            return len(self.sparse)
        m = len(self.registers)
        regs = np.frombuffer(self.registers, np.uint8).astype(np.float64)
        alpha = 0.7213 / (1 + 1.079 / m)
        raw = alpha * m * m / np.sum(np.power(2.0, -regs))
        zeros = int(np.count_nonzero(regs == 0))
        if raw <= 2.5 * m and zeros:
            return int(round(m * math.log(m / zeros)))
        return int(round(raw))
