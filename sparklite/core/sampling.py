"""Seeded per-partition sampling, drawing the same random numbers PySpark draws.

Contract: for a given seed, ``sample``, ``randomSplit``, ``sampleByKey`` and ``takeSample`` select
the same records as PySpark: each partition seeds ``random.Random(seed ^ split)``, burns ten draws to
mix close seeds, then draws one uniform per record (Bernoulli sampling, or a range test for
``randomSplit``) or a Poisson count per record (sampling with replacement).
"""
from __future__ import annotations

import math
import random
import sys


class Sampler:
    def __init__(self, with_replacement: bool, fraction, seed=None):
        self.with_replacement = with_replacement
        self.fraction = fraction
        self.seed = seed if seed is not None else self.random_seed()

    @staticmethod
    def random_seed(bits: int | None = None) -> int:
        return random.randint(0, sys.maxsize if bits is None else 2 ** bits - 1)

    def _rng(self, split: int) -> random.Random:
        rng = random.Random(self.seed ^ split)
        for _ in range(10):
            rng.randint(0, 1)
        return rng

    @staticmethod
    def _poisson(rng: random.Random, mean: float) -> int:
        k = 0
        if mean < 20.0:
            limit, p = math.exp(-mean), rng.random()
            while p > limit:
                k += 1
                p *= rng.random()
        else:
            p = rng.expovariate(mean)
            while p < 1.0:
                k += 1
                p += rng.expovariate(mean)
        return k

    def _fraction_of(self, record):
        return self.fraction

    def sample(self, split: int, iterator):
        rng = self._rng(split)
        fraction_of = self._fraction_of
        if self.with_replacement:
            for record in iterator:
                for _ in range(self._poisson(rng, fraction_of(record))):
                    yield record
        else:
            draw = rng.random
            for record in iterator:
                if draw() < fraction_of(record):
                    yield record


class StratifiedSampler(Sampler):
    """Per-key fractions for ``sampleByKey``."""

    def _fraction_of(self, record):
        return self.fraction[record[0]]


class RangeSampler(Sampler):
    """Keeps records whose uniform draw falls in [lower, upper): one slice of ``randomSplit``."""

    def __init__(self, lower: float, upper: float, seed=None):
        super().__init__(False, None, seed)
        self.lower, self.upper = lower, upper

    def sample(self, split: int, iterator):
        draw, lower, upper = self._rng(split).random, self.lower, self.upper
        for record in iterator:
            if lower <= draw() < upper:
                yield record


def fraction_for_sample_size(size: int, total: int, with_replacement: bool) -> float:
    """A sampling fraction that yields at least ``size`` of ``total`` records with 99.99% probability."""
    fraction = float(size) / total
    if with_replacement:
        num_stdev = 9 if size < 12 else 5
        return fraction + num_stdev * math.sqrt(fraction / total)
    delta = 5e-05
    gamma = -math.log(delta) / total
    return min(1, fraction + gamma + math.sqrt(gamma * gamma + 2 * gamma * fraction))
