"""Graph processing on sparklite: GraphX's property graph, operators, Pregel and algorithms over RDDs
(``Graph``, ``lib``), and GraphFrames' API over DataFrames (``GraphFrame``). docs/graph.md."""
from sparklite.graph import lib
from sparklite.graph.edges import Edge, EdgeContext, EdgeDirection, EdgeTriplet, TripletFields
from sparklite.graph.graph import Graph
from sparklite.graph.loader import GraphLoader
from sparklite.graph.rdds import EdgeRDD, VertexRDD
from sparklite.graph.strategies import PartitionStrategy


def __getattr__(name):
    if name in ("GraphFrame", "AggregateMessages"):
        from sparklite.graph import graphframe
        return getattr(graphframe, name)
    raise AttributeError(f"module 'sparklite.graph' has no attribute {name!r}")


__all__ = ["Graph", "GraphLoader", "Edge", "EdgeTriplet", "EdgeContext", "EdgeDirection", "TripletFields", "PartitionStrategy",
           "VertexRDD", "EdgeRDD", "GraphFrame", "AggregateMessages", "lib"]
