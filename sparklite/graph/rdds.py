"""``VertexRDD`` and ``EdgeRDD``: a graph's vertices and edges as ordinary RDDs of ``(id, attr)`` pairs
and ``Edge`` records, read from the graph's columnar partitions (one ``VertexPartition`` or
``EdgePartition`` object per partition of the RDD they wrap)."""
from __future__ import annotations

from sparklite.core.api import RDD, OneToOneDependency
from sparklite.graph.columns import python_values
from sparklite.graph.edges import Edge


class _PartitionRecords(RDD):
    def __init__(self, parts: RDD):
        super().__init__(parts.ctx, [OneToOneDependency(parts)])
        self.partitions_rdd = parts

    def getNumPartitions(self) -> int:
        return self.partitions_rdd.getNumPartitions()

    def compute(self, split, context):
        for part in self.partitions_rdd.iterator(split, context):
            yield from self.records(part)


class VertexRDD(_PartitionRecords):
    """A graph's vertices (or per-vertex results: degrees, messages) as ``(id, attr)`` pairs, vertex
    ``id`` in partition ``id % getNumPartitions()``, each partition in ascending id order."""

    @staticmethod
    def records(part):
        return part.pairs()


class EdgeRDD(_PartitionRecords):
    """A graph's edges as ``Edge(srcId, dstId, attr)`` records, in the graph's edge partitions."""

    @staticmethod
    def records(part):
        return map(Edge, part.src.tolist(), part.dst.tolist(), python_values(part.attr))
