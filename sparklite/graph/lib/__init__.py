"""GraphX's graph algorithms (``org.apache.spark.graphx.lib``), each as ``X.run(graph, ...)`` returning a
graph whose vertex attribute is the result; ``Graph`` has shortcuts for most (``g.pageRank(tol)``)."""
from sparklite.graph.lib.components import ConnectedComponents, StronglyConnectedComponents
from sparklite.graph.lib.labels import LabelPropagation
from sparklite.graph.lib.pagerank import PageRank
from sparklite.graph.lib.paths import ShortestPaths
from sparklite.graph.lib.triangles import TriangleCount

__all__ = ["PageRank", "ConnectedComponents", "StronglyConnectedComponents", "TriangleCount",
           "LabelPropagation", "ShortestPaths"]
