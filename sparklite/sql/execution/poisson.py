"""Sampling with replacement as Spark's ``SampleExec`` draws it, so a seed gives Spark's rows.

Contract: ``partition_seeds(seed, n)`` are the seeds Spark's ``PartitionwiseSampledRDD`` hands its
``n`` partitions (successive ``nextLong()`` of a ``java.util.Random(seed)``); ``PoissonSampler(mean,
seed)`` draws one count per row as Spark's ``PoissonSampler`` (gap sampling off, as in SQL) does with
commons-math's ``PoissonDistribution``: a ``Well19937c`` generator seeded with the partition's seed,
and the product-of-uniforms method for means under 40 (larger means use the same method here, where
commons-math switches to a rejection method). State: each sampler's generator, one per partition.
"""
from __future__ import annotations

import math

_MASK32 = 0xFFFFFFFF


def _int32(x: int) -> int:
    x &= _MASK32
    return x - (1 << 32) if x & 0x80000000 else x


def partition_seeds(seed: int, n: int) -> list[int]:
    """java.util.Random(seed).nextLong(), ``n`` times."""
    state = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)

    def next32() -> int:
        nonlocal state
        state = (state * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        return _int32(state >> 16)
    out = []
    for _ in range(n):
        high = next32()
        out.append(_int64((high << 32) + next32()))
    return out


def _int64(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >> 63 else x


class Well19937c:
    """commons-math's WELL19937c generator (624 words of state), seeded with a long."""
    _R, _M1, _M2, _M3 = 624, 70, 179, 449

    def __init__(self, seed: int):
        r = self._R
        v = [0] * r
        v[0], v[1] = (seed >> 32) & _MASK32, seed & _MASK32
        for i in range(2, r):
            previous = _int32(v[i - 2])                     # the Java int, sign-extended to a long
            v[i] = (1812433253 * (previous ^ (previous >> 30)) + i) & _MASK32
        self.v, self.index = v, 0

    def next(self, bits: int) -> int:
        r, v, index = self._R, self.v, self.index
        rm1, rm2 = (index + r - 1) % r, (index + r - 2) % r
        v0, vm1 = v[index], v[(index + self._M1) % r]
        vm2, vm3 = v[(index + self._M2) % r], v[(index + self._M3) % r]
        z0 = (0x80000000 & v[rm1]) ^ (0x7FFFFFFF & v[rm2])
        z1 = (v0 ^ (v0 << 25)) ^ (vm1 ^ (vm1 >> 27))
        z2 = (vm2 >> 9) ^ (vm3 ^ (vm3 >> 1))
        z1 &= _MASK32
        z3 = (z1 ^ z2) & _MASK32
        z4 = (z0 ^ (z1 ^ (z1 << 9)) ^ (z2 ^ (z2 << 21)) ^ (z3 ^ (z3 >> 21))) & _MASK32
        v[index], v[rm1] = z3, z4
        v[rm2] &= 0x80000000
        self.index = rm1
        z4 ^= (z4 << 7) & 0xE46E1700
        z4 ^= (z4 << 15) & 0x9B868000
        return (z4 & _MASK32) >> (32 - bits)

    def next_double(self) -> float:
        high = self.next(26) << 26
        return (high | self.next(26)) * 2.0 ** -52


class PoissonSampler:
    def __init__(self, mean: float, seed: int):
        self.mean, self.limit, self.rng = mean, math.exp(-mean), Well19937c(seed)

    def sample(self) -> int:
        if self.mean <= 0:
            return 0
        n, product = 0, 1.0
        while n < 1000 * self.mean:
            product *= self.rng.next_double()
            if product < self.limit:
                return n
            n += 1
        return n
