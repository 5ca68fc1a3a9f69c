"""GraphX's graph algorithms (``org.apache.spark.graphx.lib``), each as ``X.run(graph, ...)`` returning a
graph whose vertex attribute is the result; ``Graph`` has shortcuts for most (``g.pageRank(tol)``).
``Pregel`` is GraphFrames' DataFrame Pregel (``graphframes.lib.Pregel``; ``GraphFrame.pregel``)."""
from sparklite.graph.lib.components import ConnectedComponents, StronglyConnectedComponents
from sparklite.graph.lib.labels import LabelPropagation
from sparklite.graph.lib.pagerank import PageRank
from sparklite.graph.lib.paths import ShortestPaths
from sparklite.graph.lib.triangles import TriangleCount

def __getattr__(name):
    if name == "Pregel":
        from sparklite.graph.frame_pregel import Pregel
        return Pregel
    raise AttributeError(f"module 'sparklite.graph.lib' has no attribute {name!r}")


__all__ = ["Pregel", "PageRank", "ConnectedComponents", "StronglyConnectedComponents", "TriangleCount",
           "LabelPropagation", "ShortestPaths"]
