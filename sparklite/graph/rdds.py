"""``VertexRDD`` and ``EdgeRDD``: a graph's vertices and edges as ordinary RDDs of ``(id, attr)`` pairs
and ``Edge`` records, read from the graph's columnar partitions (one ``VertexPartition`` or
``EdgePartition`` object per partition of the RDD they wrap). A ``VertexRDD``'s joins with another RDD of
``(id, value)`` pairs go partition by partition over the sorted ids: without a shuffle when the other is a
``VertexRDD`` with as many partitions, after one that places its pairs as the vertices are placed otherwise."""
from __future__ import annotations

from functools import partial

import numpy as np

from sparklite.core.api import RDD, OneToOneDependency
from sparklite.graph.columns import column, python_values
from sparklite.graph.edges import Edge
from sparklite.graph.partitions import VertexPartition, locate, lookup, table_partition, vertex_partitioner
from sparklite.graph.rddparts import map_parts, one, zip_parts


def aligned_parts(table: RDD, num_partitions: int, merge=None):
    """``table`` (an RDD of ``(id, value)``) as one ``VertexPartition`` per vertex partition of a graph with
    ``num_partitions``; repeated ids keep their first value, or all merged with ``merge``."""
    if isinstance(table, VertexRDD) and table.getNumPartitions() == num_partitions and merge is None:
        return table.partitions_rdd
    return table.partitionBy(num_partitions, vertex_partitioner).mapPartitions(
        lambda it: [table_partition(it, merge)], True)


class _PartitionRecords(RDD):
    def __init__(self, parts: RDD):
        super().__init__(parts.ctx, [OneToOneDependency(parts)])
        self.partitions_rdd = parts

    def getNumPartitions(self) -> int:
        return self.partitions_rdd.getNumPartitions()

    def compute(self, split, context):
        for part in self.partitions_rdd.iterator(split, context):
            yield from self.records(part)


def _joined(f, keep_unmatched: bool, mine, theirs) -> VertexPartition:
    p, other = one(mine), one(theirs)
    found, values = lookup(other, p.ids)
    keep = np.ones(len(p.ids), dtype=bool) if keep_unmatched else found
    rows = [f(i, a, u if hit else None) for i, a, u, hit, k in
            zip(p.ids.tolist(), python_values(p.attrs), values, found.tolist(), keep.tolist()) if k]
    return VertexPartition(p.ids[keep], column(rows))


def _minus(mine, theirs) -> VertexPartition:
    p, other = one(mine), one(theirs)
    absent = ~locate(other, p.ids)[0]
    return VertexPartition(p.ids[absent], p.attrs[absent])


def _diff(mine, theirs) -> VertexPartition:
    p, other = one(mine), one(theirs)
    found, values = lookup(other, p.ids)
    keep = [hit and a != u for hit, a, u in zip(found.tolist(), python_values(p.attrs), values)]
    return VertexPartition(p.ids[np.array(keep, dtype=bool)], column([u for u, k in zip(values, keep) if k]))


def _mapped_values(f, p: VertexPartition) -> VertexPartition:
    return VertexPartition(p.ids, column([f(i, a) for i, a in p.pairs()]))


class VertexRDD(_PartitionRecords):
    """A graph's vertices (or per-vertex results: degrees, messages) as ``(id, attr)`` pairs, vertex
    ``id`` in partition ``id % getNumPartitions()``, each partition in ascending id order. Besides the RDD
    API it has GraphX's ``VertexRDD`` operations, which keep that layout (and return ``VertexRDD``s)."""

    @staticmethod
    def records(part):
        return part.pairs()

    def _with(self, other, f) -> "VertexRDD":
        theirs = aligned_parts(other, self.getNumPartitions())
        return VertexRDD(zip_parts([self.partitions_rdd, theirs], f))

    def mapVertexValues(self, f) -> "VertexRDD":
        """Every value through ``f(id, value)`` (GraphX's ``mapValues`` taking the id; PySpark's ``mapValues``
        is the RDD one, ``f(value)``)."""
        return VertexRDD(map_parts(self.partitions_rdd, partial(_mapped_values, f)))

    def innerJoin(self, other, f) -> "VertexRDD":
        """``(id, f(id, value, otherValue))`` for the ids in both this and ``other`` (an RDD of ``(id, value)``)."""
        return self._with(other, partial(_joined, f, False))

    def leftJoin(self, other, f) -> "VertexRDD":
        """``(id, f(id, value, otherValue or None))`` for every id here."""
        return self._with(other, partial(_joined, f, True))

    def minus(self, other) -> "VertexRDD":
        """The vertices whose ids are not in ``other``."""
        return self._with(other, _minus)

    def diff(self, other) -> "VertexRDD":
        """The ids in both whose values differ, with ``other``'s values."""
        return self._with(other, _diff)

    def aggregateUsingIndex(self, messages, reduceFunc) -> "VertexRDD":
        """``messages`` (an RDD of ``(id, message)``) merged per id with ``reduceFunc`` (or ``"sum"``, ``"min"``,
        ``"max"``), for the ids of this RDD only."""
        merged = aligned_parts(messages, self.getNumPartitions(), reduceFunc)
        return VertexRDD(zip_parts([self.partitions_rdd, merged], _kept_messages))


def _kept_messages(mine, theirs) -> VertexPartition:
    p, other = one(mine), one(theirs)
    at = np.isin(other.ids, p.ids)
    return VertexPartition(other.ids[at], other.attrs[at])


class EdgeRDD(_PartitionRecords):
    """A graph's edges as ``Edge(srcId, dstId, attr)`` records, in the graph's edge partitions."""

    @staticmethod
    def records(part):
        return map(Edge, part.src.tolist(), part.dst.tolist(), python_values(part.attr))
