"""GraphFrame: GraphFrames' Python API (graphframes-py 0.12, ``graphframes.GraphFrame``) on sparklite
DataFrames.

Contract: a ``GraphFrame`` holds two DataFrames and nothing else: ``vertices`` (a column ``id``) and
``edges`` (columns ``src`` and ``dst`` holding vertex ids). Every method builds new DataFrames from
them with the public DataFrame API; a method returning a graph returns a new ``GraphFrame``.

- Views: ``triplets`` (struct columns ``src``, ``edge``, ``dst``), ``degrees`` / ``inDegrees`` /
  ``outDegrees`` (vertices without edges are absent; parallel edges count each, a self-loop counts 2
  in ``degree``).
- Structure: ``filterVertices`` (also drops the edges touching a removed vertex), ``filterEdges``,
  ``dropIsolatedVertices``.
- Search: ``find`` (motifs, the language in ``motif.py``), ``bfs`` (all globally shortest paths, as
  columns ``from``, ``e0``, ``v1``, ``e1``, ..., ``to``).
- Messages: ``aggregateMessages`` with the column helpers of ``AggregateMessages``.
- Algorithms (``pageRank``, ``parallelPersonalizedPageRank``, ``connectedComponents``,
  ``stronglyConnectedComponents``, ``labelPropagation``, ``shortestPaths``, ``triangleCount``) run on
  ``sparklite.graph.Graph``: vertex ids become Graph's int ids (an integral ``id`` as it is, any other
  type through an index numbered in id order), and the results are joined back on ``id``. They first
  check that every edge endpoint is a vertex (``validate`` does the same and also finds duplicate
  ids) and raise ``ValueError`` naming missing ids.
"""
from __future__ import annotations

from sparklite.sql import Window
from sparklite.sql import functions as F
from sparklite.sql import types as T

from sparklite.graph import lib, motif
from sparklite.graph.motif import as_struct
from sparklite.graph.graph import Graph

ID, SRC, DST, EDGE, MSG = "id", "src", "dst", "edge", "MSG"
INTEGRAL_TYPES = {"byte", "short", "integer", "long"}
LONG_ID = "__lid"
SHOWN_MISSING = 5


class ClassProperty:
    """A read-only property of a class (``AggregateMessages.src``)."""

    def __init__(self, getter):
        self.getter = getter
        self.__doc__ = getter.__doc__

    def __get__(self, instance, owner):
        return self.getter(owner)


class AggregateMessages:
    """Column references for ``GraphFrame.aggregateMessages``: ``AM.src["age"]``, ``AM.msg``."""

    @ClassProperty
    def src(cls):
        """The source vertex of a triplet, a struct of the vertex columns."""
        return F.col(SRC)

    @ClassProperty
    def dst(cls):
        """The destination vertex of a triplet, a struct of the vertex columns."""
        return F.col(DST)

    @ClassProperty
    def edge(cls):
        """The edge of a triplet, a struct of the edge columns."""
        return F.col(EDGE)

    @ClassProperty
    def msg(cls):
        """The message column, for the aggregation."""
        return F.col(MSG)


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def as_column(value):
    return F.expr(value) if isinstance(value, str) else value


class GraphFrame:
    """A graph whose vertices and edges are DataFrames.

    :param v: vertices, with a column ``id`` of unique vertex ids.
    :param e: edges, with columns ``src`` and ``dst`` of vertex ids.
    """

    ID, SRC, DST, EDGE = ID, SRC, DST, EDGE

    def __init__(self, v, e):
        if ID not in v.columns:
            raise ValueError(f"Vertex ID column '{ID}' missing from the vertex DataFrame, which has columns: "
                             f"{', '.join(v.columns)}")
        missing = [c for c in (SRC, DST) if c not in e.columns]
        if missing:
            raise ValueError(f"Edge column(s) {', '.join(repr(c) for c in missing)} missing from the edge "
                             f"DataFrame, which has columns: {', '.join(e.columns)}")
        self._vertices, self._edges = v, e

    def __repr__(self) -> str:
        return f"GraphFrame(v:[{', '.join(self._vertices.columns)}], e:[{', '.join(self._edges.columns)}])"

    # ------------------------------------------------------------ views

    @property
    def vertices(self):
        """The vertex DataFrame (column ``id`` and the vertex attributes)."""
        return self._vertices

    @property
    def edges(self):
        """The edge DataFrame (columns ``src``, ``dst`` and the edge attributes)."""
        return self._edges

    @property
    def triplets(self):
        """Every edge with its endpoints: struct columns ``src``, ``edge`` and ``dst``."""
        return self.find(f"({SRC})-[{EDGE}]->({DST})")

    @property
    def outDegrees(self):
        """Columns ``id`` and ``outDegree``; vertices without out-edges are absent."""
        return self._edges.groupBy(F.col(SRC).alias(ID)).agg(F.count("*").alias("outDegree"))

    @property
    def inDegrees(self):
        """Columns ``id`` and ``inDegree``; vertices without in-edges are absent."""
        return self._edges.groupBy(F.col(DST).alias(ID)).agg(F.count("*").alias("inDegree"))

    @property
    def degrees(self):
        """Columns ``id`` and ``degree`` (a self-loop counts 2); vertices without edges are absent."""
        ends = self._edges.select(F.explode(F.array(F.col(SRC), F.col(DST))).alias(ID))
        return ends.groupBy(ID).agg(F.count("*").alias("degree"))

    def cache(self) -> "GraphFrame":
        """Caches the vertices and edges."""
        return GraphFrame(self._vertices.cache(), self._edges.cache())

    def persist(self, storageLevel=None) -> "GraphFrame":
        """Persists the vertices and edges at ``storageLevel``."""
        return GraphFrame(self._vertices.persist(storageLevel), self._edges.persist(storageLevel))

    def unpersist(self, blocking: bool = False) -> "GraphFrame":
        """Removes the vertices and edges from the cache."""
        return GraphFrame(self._vertices.unpersist(blocking), self._edges.unpersist(blocking))

    # ------------------------------------------------------------ structure

    def as_undirected(self) -> "GraphFrame":
        """The graph with every edge also in the opposite direction (same attributes), so that each
        connection can be followed both ways."""
        attrs = [c for c in self._edges.columns if c not in (SRC, DST)]
        backward = self._edges.select(F.col(DST).alias(SRC), F.col(SRC).alias(DST), *attrs)
        return GraphFrame(self._vertices, self._edges.select(SRC, DST, *attrs).unionAll(backward))

    @property
    def pregel(self):
        """GraphFrames' DataFrame Pregel builder for this graph (``sparklite.graph.frame_pregel``)."""
        from sparklite.graph.frame_pregel import Pregel
        return Pregel(self)

    def filterVertices(self, condition) -> "GraphFrame":
        """Keeps the vertices matching ``condition`` (SQL text or Column) and the edges between them."""
        kept = self._vertices.filter(condition)
        ids = kept.select(ID)
        edges = (self._edges.join(ids.withColumnRenamed(ID, SRC), SRC, "left_semi")
                 .join(ids.withColumnRenamed(ID, DST), DST, "left_semi"))
        return GraphFrame(kept, edges)

    def filterEdges(self, condition) -> "GraphFrame":
        """Keeps the edges matching ``condition`` (SQL text or Column) and every vertex."""
        return GraphFrame(self._vertices, self._edges.filter(condition))

    def dropIsolatedVertices(self) -> "GraphFrame":
        """Drops the vertices that no edge touches."""
        touched = self._endpoint_ids().withColumnRenamed("__end", ID)
        return GraphFrame(self._vertices.join(touched, ID, "left_semi"), self._edges)

    def _endpoint_ids(self):
        """The distinct vertex ids the edges use, as column ``__end``."""
        e = self._edges
        return e.select(F.col(SRC).alias("__end")).union(e.select(F.col(DST).alias("__end"))).distinct()

    # ------------------------------------------------------------ validation

    def _missing_endpoints(self, limit: int = SHOWN_MISSING) -> list:
        """Up to ``limit`` edge endpoints that are not vertex ids, smallest first."""
        ids = self._vertices.select(F.col(ID).alias("__end"))
        missing = self._endpoint_ids().join(ids, "__end", "left_anti").orderBy("__end")
        return [row[0] for row in missing.take(limit)]

    def _check_endpoints(self) -> None:
        """Raises ValueError naming (some of) the edge endpoints that are not vertex ids."""
        missing = self._missing_endpoints()
        if missing:
            shown = ", ".join(map(repr, missing)) + (", ..." if len(missing) == SHOWN_MISSING else "")
            raise ValueError(f"Edges refer to vertex ids missing from the vertices DataFrame: {shown}. "
                             "Add those vertices or drop their edges (filterEdges).")

    def validate(self) -> None:
        """Raises ValueError if vertex ids repeat or an edge endpoint is not a vertex id."""
        duplicated = (self._vertices.groupBy(ID).agg(F.count("*").alias("__n"))
                      .filter(F.col("__n") > 1).orderBy(ID).take(SHOWN_MISSING))
        if duplicated:
            raise ValueError("Graph contains duplicate vertex ids: "
                             + ", ".join(f"{row[0]!r} ({row[1]} times)" for row in duplicated))
        self._check_endpoints()

    # ------------------------------------------------------------ search and messages

    def find(self, pattern: str):
        """Motif finding: one row per instance of ``pattern``, one struct column per named element.

        See ``motif.py`` for the language, e.g. ``"(a)-[e]->(b); (b)-[e2]->(a)"``,
        ``"(a)-[]->(b); !(b)-[]->(a)"``, ``"(a)-[e*1..3]->(b)"``, ``"(a)-[e]-(b)"``.
        """
        return motif.find(motif.parse(pattern), self._vertices, self._edges)

    def bfs(self, fromExpr, toExpr, edgeFilter=None, maxPathLength: int = 10):
        """All globally shortest paths from a vertex matching ``fromExpr`` to one matching ``toExpr``.

        Columns ``from``, ``e0``, ``v1``, ``e1``, ..., ``to`` (vertex and edge structs). A vertex matching
        both gives a 0-hop row with ``from`` and ``to``; no path of at most ``maxPathLength`` edges gives
        an empty DataFrame with the vertices' schema. ``edgeFilter`` limits the edges used.
        """
        if maxPathLength < 0:
            raise ValueError(f"bfs maxPathLength must be >= 0, got {maxPathLength}")
        v = self._vertices
        sources, targets = v.filter(fromExpr), v.filter(toExpr)
        if sources.isEmpty() or targets.isEmpty():
            return self._no_paths()
        both = sources.filter(toExpr)
        if not both.isEmpty():
            return both.select(as_struct(both, "from"), as_struct(both, "to"))
        edges = self._edges if edgeFilter is None else self._edges.filter(edgeFilter)
        target_ids = targets.select(F.col(ID).alias("__next"))
        return self._shortest_paths_between(sources, target_ids, edges, maxPathLength)

    def _no_paths(self):
        session = self._vertices.sparkSession
        return session.createDataFrame([], self._vertices.schema)

    def _shortest_paths_between(self, sources, target_ids, edges, max_length: int):
        """Extends paths one edge a level, never to a vertex reached at an earlier level (such a path
        cannot be a shortest one); each level is checkpointed locally so the lineage stays short."""
        v = self._vertices
        steps = edges.select(as_struct(edges, "__e"), F.col(SRC).alias("__cur"), F.col(DST).alias("__next"))
        reached = v.select(as_struct(v, "__v"), F.col(ID).alias("__next"))
        paths = sources.select(as_struct(sources, "from"), F.col(ID).alias("__cur"))
        visited = sources.select(F.col(ID).alias("__next"))
        columns = ["from"]
        for level in range(max_length):
            step = (paths.join(steps, "__cur").join(visited, "__next", "left_anti").join(reached, "__next")
                    .withColumnsRenamed({"__e": f"e{level}", "__v": f"v{level + 1}"}).drop("__cur"))
            step = step.localCheckpoint()
            found = step.join(target_ids, "__next", "left_semi")
            if not found.isEmpty():
                return found.withColumnRenamed(f"v{level + 1}", "to").select(*columns, f"e{level}", "to")
            if step.isEmpty():
                break
            columns += [f"e{level}", f"v{level + 1}"]
            paths = step.withColumnRenamed("__next", "__cur")
            visited = visited.union(step.select("__next")).distinct().localCheckpoint()
        return self._no_paths()

    def aggregateMessages(self, aggCol, sendToSrc=None, sendToDst=None):
        """Sends a message along each edge and aggregates the messages each vertex receives.

        ``sendToSrc`` / ``sendToDst`` are Columns or SQL text over the triplet columns
        (``AggregateMessages.src``, ``.dst``, ``.edge``); several form a struct message. ``aggCol``
        (one or a list) aggregates ``AggregateMessages.msg``. Columns ``id`` and the aggregates, for
        the vertices that received a message.
        """
        aggregates, to_src, to_dst = as_list(aggCol), as_list(sendToSrc), as_list(sendToDst)
        if not aggregates:
            raise TypeError("aggregateMessages needs at least one aggregation column")
        if not (to_src or to_dst):
            raise ValueError("aggregateMessages needs sendToSrc, sendToDst, or both")
        triplets = self.triplets
        sent = [triplets.select(F.col(f"{end}.{ID}").alias(ID), message(columns).alias(MSG))
                for end, columns in ((SRC, to_src), (DST, to_dst)) if columns]
        messages = sent[0] if len(sent) == 1 else sent[0].union(sent[1])
        return messages.groupBy(ID).agg(*[as_column(a) for a in aggregates])

    # ------------------------------------------------------------ algorithms

    def pageRank(self, resetProbability: float = 0.15, sourceId=None, maxIter: int | None = None,
                 tol: float | None = None) -> "GraphFrame":
        """PageRank; exactly one of ``maxIter`` (fixed iterations) and ``tol`` (until converged).

        With ``sourceId``, personalized PageRank from that vertex (ranks sum to 1; otherwise to the
        number of vertices). A GraphFrame with vertex column ``pagerank`` and edge column ``weight``
        (1 / out-degree of the source).
        """
        if (maxIter is None) == (tol is None):
            raise ValueError("pageRank needs exactly one of maxIter and tol")
        run = AlgorithmRun(self)
        graph = run.graph()
        if sourceId is None:
            ranked = (graph.staticPageRank(maxIter, resetProbability) if tol is None
                      else graph.pageRank(tol, resetProbability))
        else:
            source = run.long_id(sourceId)
            ranked = (graph.staticPersonalizedPageRank(source, maxIter, resetProbability) if tol is None
                      else graph.personalizedPageRank(source, tol, resetProbability))
        return GraphFrame(run.vertices_with(ranked, "pagerank", T.DoubleType(), float), self._weighted_edges())

    def parallelPersonalizedPageRank(self, resetProbability: float = 0.15, sourceIds=None,
                                     maxIter: int | None = None) -> "GraphFrame":
        """Personalized PageRank from each of ``sourceIds`` for ``maxIter`` iterations.

        A GraphFrame with vertex column ``pageranks`` (array<double>, one rank per source in
        ``sourceIds`` order) and edge column ``weight``.
        """
        if not sourceIds:
            raise ValueError("parallelPersonalizedPageRank needs a non-empty list of sourceIds")
        if maxIter is None:
            raise ValueError("parallelPersonalizedPageRank needs maxIter")
        run = AlgorithmRun(self)
        sources = [run.long_id(s) for s in sourceIds]
        ranked = run.graph().staticParallelPersonalizedPageRank(sources, maxIter, resetProbability)
        vertices = run.vertices_with(ranked, "pageranks", T.ArrayType(T.DoubleType()),
                                     lambda ranks: [float(r) for r in ranks])
        return GraphFrame(vertices, self._weighted_edges())

    def _weighted_edges(self):
        out = self.outDegrees.select(F.col(ID).alias(SRC), (F.lit(1.0) / F.col("outDegree")).alias("weight"))
        return self._edges.join(out, SRC).select(*self._edges.columns, "weight")

    def connectedComponents(self, algorithm: str = "graphframes"):
        """Connected components, edge direction ignored: the vertices with column ``component`` (a long).

        ``algorithm`` is accepted for GraphFrames' callers ("graphframes", "two_phase",
        "randomized_contraction", "graphx"); every one runs GraphX's algorithm, so the label is the
        smallest long id in the component.
        """
        if algorithm not in ("graphframes", "two_phase", "randomized_contraction", "graphx"):
            raise ValueError(f"Unknown connected components algorithm {algorithm!r}; supported: "
                             "'graphframes', 'two_phase', 'randomized_contraction', 'graphx'")
        run = AlgorithmRun(self)
        return run.vertices_with(run.graph().connectedComponents(), "component", T.LongType(), int)

    def stronglyConnectedComponents(self, maxIter: int):
        """Strongly connected components after at most ``maxIter`` iterations: column ``component``."""
        run = AlgorithmRun(self)
        return run.vertices_with(run.graph().stronglyConnectedComponents(maxIter), "component", T.LongType(), int)

    def labelPropagation(self, maxIter: int):
        """Static label propagation for ``maxIter`` steps: the vertices with column ``label``."""
        run = AlgorithmRun(self)
        return run.vertices_with(lib.LabelPropagation.run(run.graph(), maxIter), "label", T.LongType(), int)

    def shortestPaths(self, landmarks):
        """Hops from each vertex to each landmark it reaches along the edges: column ``distances``,
        a map from landmark id to hop count (unreachable landmarks absent)."""
        run = AlgorithmRun(self)
        original = {run.long_id(landmark): landmark for landmark in landmarks}
        paths = lib.ShortestPaths.run(run.graph(), list(original))
        distances = T.MapType(self._vertices.schema[ID].dataType, T.IntegerType())
        return run.vertices_with(paths, "distances", distances,
                                 lambda hops: {original[k]: int(d) for k, d in hops.items()})

    def triangleCount(self, storage_level=None):
        """Triangles through each vertex (direction, parallel edges and self-loops ignored): column
        ``count``. ``storage_level`` is accepted for GraphFrames' callers and not needed here."""
        run = AlgorithmRun(self)
        return run.vertices_with(run.graph().triangleCount(), "count", T.LongType(), int)


def message(columns: list):
    if len(columns) == 1:
        return as_column(columns[0])
    return F.struct(*[as_column(c) for c in columns])


class AlgorithmRun:
    """One algorithm's trip through ``sparklite.graph.Graph``: the id index, the Graph, the results back."""

    def __init__(self, frame: GraphFrame):
        frame._check_endpoints()
        self.frame = frame
        vertices = frame.vertices
        if vertices.schema[ID].dataType.typeName() in INTEGRAL_TYPES:
            long_ids = F.col(ID).cast("long")
        else:
            long_ids = (F.row_number().over(Window.orderBy(ID)) - 1).cast("long")
        self.index = vertices.select(F.col(ID), long_ids.alias(LONG_ID))

    def long_id(self, vertex_id) -> int:
        """The Graph id of a vertex id (ValueError if no vertex has it)."""
        found = self.index.filter(F.col(ID) == F.lit(vertex_id)).select(LONG_ID).take(1)
        if not found:
            raise ValueError(f"Vertex id {vertex_id!r} is not in the vertices DataFrame")
        return found[0][0]

    def graph(self):
        index, edges = self.index, self.frame.edges
        src = index.select(F.col(ID).alias(SRC), F.col(LONG_ID).alias("__s"))
        dst = index.select(F.col(ID).alias(DST), F.col(LONG_ID).alias("__d"))
        pairs = edges.select(SRC, DST).join(src, SRC).join(dst, DST).select("__s", "__d")
        vertex_rdd = index.select(LONG_ID).rdd.map(lambda row: (row[0], None))
        edge_rdd = pairs.rdd.map(lambda row: (row[0], row[1], 1))
        return Graph(vertex_rdd, edge_rdd)

    def vertices_with(self, result, column: str, data_type, convert):
        """The vertices with ``column`` (replacing one of that name): each vertex's attribute in the
        Graph ``result``, converted."""
        session = self.frame.vertices.sparkSession
        schema = T.StructType([T.StructField(LONG_ID, T.LongType()), T.StructField(column, data_type)])
        values = session.createDataFrame(result.vertices.map(lambda pair: (pair[0], convert(pair[1]))), schema)
        by_id = self.index.join(values, LONG_ID).select(ID, column)
        return self.frame.vertices.drop(column).join(by_id, ID)
