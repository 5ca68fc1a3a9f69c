"""Triangle counting (GraphX's ``TriangleCount``): on the canonical undirected graph (no self-loops, one edge
per pair), each edge counts the common neighbours of its ends; a vertex's triangles are half the sum over
its edges."""
from __future__ import annotations

import numpy as np

from sparklite.graph.edges import EdgeDirection
from sparklite.graph.partitions import DST, SRC, EdgePartition


def _common_neighbours(part: EdgePartition):
    sets = part.mirror
    counts = np.fromiter((np.intersect1d(sets[s], sets[d], assume_unique=True).size
                          for s, d in zip(part.src_i.tolist(), part.dst_i.tolist())), dtype=np.int64, count=len(part))
    return [(part.src_i, counts), (part.dst_i, counts)]


class TriangleCount:
    """Triangles through each vertex, directions, parallel edges and self-loops ignored."""

    @staticmethod
    def run(graph):
        """Vertex attribute: the number of triangles the vertex is part of."""
        canonical = graph.mapEdges(lambda e: True).removeSelfEdges().convertToCanonicalEdges()
        neighbours = canonical.collectNeighborIds(EdgeDirection.Either).mapValues(
            lambda ids: np.unique(np.array(ids, dtype=np.int64)))
        sets = canonical.outerJoinVertices(neighbours, lambda vid, _, nbrs: nbrs)
        counts = sets._message_parts(_common_neighbours, "sum", SRC | DST)
        return graph._join_columns(counts, lambda ids, attrs, found, values: np.where(found, values // 2, 0).astype(np.int64))
