"""GraphX's edge partitioning strategies (``PartitionStrategy.scala``): which edge partition an edge
``src -> dst`` belongs to, for whole columns of edges at once."""
from __future__ import annotations

import numpy as np

MIXING_PRIME = np.int64(1125899906842597)
_SECOND_PRIME = np.int64(0x5bd1e995)


def _mixed(ids: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.abs(ids.astype(np.int64) * MIXING_PRIME)


class PartitionStrategy:
    """How ``Graph.partitionBy`` places edges: ``EdgePartition1D`` (by source), ``EdgePartition2D`` (a grid
    over the adjacency matrix: at most about 2*sqrt(n) replicas of a vertex), ``RandomVertexCut`` (by the
    ordered pair: parallel edges of one direction together) and ``CanonicalRandomVertexCut`` (by the
    unordered pair: both directions together)."""

    def __init__(self, name: str, place):
        self.name, self.place = name, place

    def partitions(self, src: np.ndarray, dst: np.ndarray, num_partitions: int) -> np.ndarray:
        """The partition of every edge of the columns ``src``, ``dst``."""
        return self.place(np.asarray(src, np.int64), np.asarray(dst, np.int64), num_partitions)

    def getPartition(self, src: int, dst: int, numParts: int) -> int:
        """The partition of one edge."""
        return int(self.partitions(np.array([src]), np.array([dst]), numParts)[0])

    def __repr__(self) -> str:
        return f"PartitionStrategy.{self.name}"

    @staticmethod
    def fromString(s: str) -> "PartitionStrategy":
        """The strategy of that name."""
        try:
            return getattr(PartitionStrategy, s)
        except AttributeError:
            raise ValueError(f"Invalid PartitionStrategy: {s}") from None


def _one_d(src, dst, n):
    return _mixed(src) % n


def _two_d(src, dst, n):
    side = int(np.ceil(np.sqrt(n)))
    if n == side * side:
        return (_mixed(src) % side) * side + _mixed(dst) % side
    rows = (n + side - 1) // side
    last_rows = n - rows * (side - 1)
    col = _mixed(src) % n // rows
    row = _mixed(dst) % np.where(col < side - 1, rows, last_rows)
    return col * rows + row


def _pair_hash(a, b, n):
    with np.errstate(over="ignore"):
        h = a * MIXING_PRIME + b * _SECOND_PRIME
        h ^= h >> np.int64(29)
    return np.abs(h) % n


def _random(src, dst, n):
    return _pair_hash(src, dst, n)


def _canonical(src, dst, n):
    return _pair_hash(np.minimum(src, dst), np.maximum(src, dst), n)


PartitionStrategy.EdgePartition1D = PartitionStrategy("EdgePartition1D", _one_d)
PartitionStrategy.EdgePartition2D = PartitionStrategy("EdgePartition2D", _two_d)
PartitionStrategy.RandomVertexCut = PartitionStrategy("RandomVertexCut", _random)
PartitionStrategy.CanonicalRandomVertexCut = PartitionStrategy("CanonicalRandomVertexCut", _canonical)
