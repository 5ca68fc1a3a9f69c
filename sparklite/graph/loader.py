"""``GraphLoader.edgeListFile``: a graph from a text file of edges, GraphX's format."""
from __future__ import annotations

from sparklite import StorageLevel
from sparklite.graph.graph import Graph


def _edge_of_line(canonical: bool, line: str):
    if not line or line.startswith("#"):
        return []
    fields = line.split()
    if len(fields) < 2:
        raise ValueError(f"an edge list line needs two vertex ids: {line!r}")
    try:
        src, dst = int(fields[0]), int(fields[1])
    except ValueError:
        raise ValueError(f"vertex ids must be integers (GraphX's VertexId is a 64-bit long): {line!r}") from None
    return [(min(src, dst), max(src, dst)) if canonical else (src, dst)]


class GraphLoader:
    """Load graphs from files."""

    @staticmethod
    def edgeListFile(sc, path: str, canonicalOrientation: bool = False, numEdgePartitions: int = -1,
                     edgeStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY,
                     vertexStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> Graph:
        """The graph of a text file with one edge ``srcId dstId`` per line (whitespace between; lines
        starting with ``#`` are comments); edge and vertex attributes are 1. ``canonicalOrientation``
        points every edge from the smaller id to the larger."""
        from functools import partial
        lines = sc.textFile(path, numEdgePartitions) if numEdgePartitions > 0 else sc.textFile(path)
        pairs = lines.flatMap(partial(_edge_of_line, canonicalOrientation))
        return Graph.fromEdgeTuples(pairs, 1, edgeStorageLevel=edgeStorageLevel, vertexStorageLevel=vertexStorageLevel)
