"""``Graph``: GraphX's property graph over RDDs (``issues show 17``; docs/graph.md).

A graph is two RDDs of partition objects (``partitions.py``): the vertex partitions (ids, attributes and
the routing table, vertex ``id`` in partition ``id % n``) and the edge partitions (columns with a local
vertex index). Computations that read vertex attributes on edges (triplets, ``aggregateMessages``,
Pregel) run on a *view*: the edge partitions with a mirror of the attributes they need, shipped along the
routing table. A graph made from another by changing vertex attributes keeps the parent's view as its
base and ships only the attributes that changed. Messages are merged in the edge partition before they
travel, and merged again at the vertex; ``"sum"``, ``"min"`` and ``"max"`` merges run on whole columns.

Every operation returns a new graph; the partition RDDs of a graph made by ``Graph(...)``, the views and
the algorithms' intermediate graphs are persisted (``unpersist`` drops them; the context's cleaner drops
those of graphs no longer referenced).
"""
from __future__ import annotations

import operator
import sys
from functools import partial

import numpy as np

from sparklite import StorageLevel
from sparklite.core.api import ZippedPartitionsRDD
from sparklite.graph.columns import assign, column, concat, objects, python_values, reduce_at
from sparklite.graph.edges import Edge, EdgeDirection, TripletFields
from sparklite.graph.messages import context_sender, partition_messages, triplet_sender, triplets
from sparklite.graph.partitions import (DST, SRC, EdgePartition, VertexPartition, edge_partition_from_pairs,
                                        edge_partition_from_records, locate, lookup, merge_blocks, receive, routing_messages,
                                        ship, vertex_partition, vertex_partitioner)
from sparklite.graph.pregel import count_vertices
from sparklite.graph.rdds import EdgeRDD, VertexRDD, aligned_parts
from sparklite.graph.rddparts import apply_to_iterators, flat_map_parts, map_parts, one, zip_parts


def _receive_into(incremental: bool, track_active: bool, view, shipped):
    return receive(one(view), shipped, incremental, track_active)


def _ship_changed_active(sides: int, p):
    return ship(p, sides, True, p.changed)


def changed_mask(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Which attributes differ between two columns of the same vertices (all of them when the columns'
    kinds differ: then every attribute travels again)."""
    out = np.ones(len(new), dtype=bool)
    if old.dtype != new.dtype or old.shape != new.shape:
        return out
    if old.dtype != object:
        differs = old != new
        return differs if differs.ndim == 1 else differs.any(axis=tuple(range(1, differs.ndim)))
    for i, (a, b) in enumerate(zip(python_values(old), python_values(new))):
        try:
            out[i] = not (a is b or bool(a == b))
        except (TypeError, ValueError):
            pass
    return out


def _python_vprog(f):
    def apply(ids, attrs, messages):
        return column([f(i, a, m) for i, a, m in zip(ids.tolist(), python_values(attrs), python_values(messages))])
    return apply


class Graph:
    """A directed multigraph with an attribute on every vertex and edge (GraphX's ``Graph``).

    ``Graph(vertices, edges, defaultVertexAttr=None)``: ``vertices`` an RDD of ``(id, attr)`` with
    integer ids, ``edges`` an RDD of ``Edge(srcId, dstId, attr)`` or ``(src, dst, attr)`` tuples, kept in
    their partitions. An edge endpoint missing from ``vertices`` gets ``defaultVertexAttr``; a repeated
    vertex id keeps one of its attributes. The edges' partition count is the graph's; vertices are
    partitioned by ``id % n`` into as many partitions.

    >>> g = Graph(sc.parallelize([(1, "a"), (2, "b")]), sc.parallelize([Edge(1, 2, 0.5), Edge(2, 3, 1.0)]), "?")
    >>> sorted(g.vertices.collect())
    [(1, 'a'), (2, 'b'), (3, '?')]
    """

    def __init__(self, vertices, edges, defaultVertexAttr=None,
                 edgeStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY,
                 vertexStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY):
        eparts = edges.mapPartitions(lambda it: [edge_partition_from_records(it)])
        self._build(vertices, eparts, defaultVertexAttr, edgeStorageLevel, vertexStorageLevel)

    def _build(self, vertices, eparts, default, edge_level=StorageLevel.MEMORY_ONLY,
               vertex_level=StorageLevel.MEMORY_ONLY) -> None:
        eparts = eparts.persist(edge_level)
        n = eparts.getNumPartitions()
        routing = eparts.mapPartitionsWithIndex(
            lambda i, it: (m for p in it for m in routing_messages(i, p, n))).partitionBy(n, vertex_partitioner)
        given = vertices.partitionBy(n, vertex_partitioner)
        vparts = zip_parts([given, routing], lambda g, r: vertex_partition(g, r, default, n)).persist(vertex_level)
        for rdd in (eparts, vparts):
            rdd.localCheckpoint()
        self._init(vparts, eparts)

    def _init(self, vparts, eparts, view=None, view_sides: int = 0, base=None) -> "Graph":
        self._vparts, self._eparts = vparts, eparts
        self._view, self._view_sides, self._base = view, view_sides, base
        self._vertices = self._edges = None
        self.converged = self.iterations = None
        return self

    @classmethod
    def _of(cls, vparts, eparts, view=None, view_sides: int = 0, base=None) -> "Graph":
        return cls.__new__(cls)._init(vparts, eparts, view, view_sides, base)

    @classmethod
    def fromEdges(cls, edges, defaultValue, edgeStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY,
                  vertexStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "Graph":
        """The graph of ``edges`` (an RDD of ``Edge``); every vertex gets ``defaultValue``."""
        return cls(edges.ctx.emptyRDD(), edges, defaultValue, edgeStorageLevel, vertexStorageLevel)

    @classmethod
    def fromEdgeTuples(cls, rawEdges, defaultValue, uniqueEdges=None,
                       edgeStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY,
                       vertexStorageLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "Graph":
        """The graph of ``(src, dst)`` pairs, each edge with attribute 1 and each vertex ``defaultValue``.
        With ``uniqueEdges`` (a ``PartitionStrategy``) the edges are partitioned so and parallel edges
        merged into one whose attribute counts them."""
        g = cls.__new__(cls)
        eparts = rawEdges.mapPartitions(lambda it: [edge_partition_from_pairs(it, 1)])
        g._build(rawEdges.ctx.emptyRDD(), eparts, defaultValue, edgeStorageLevel, vertexStorageLevel)
        if uniqueEdges is not None:
            g = g.partitionBy(uniqueEdges).groupEdges(operator.add)
        return g

    # -- views --------------------------------------------------------------------------------
    @property
    def vertices(self) -> VertexRDD:
        """The vertices as a ``VertexRDD`` of ``(id, attr)``."""
        if self._vertices is None:
            self._vertices = VertexRDD(self._vparts)
        return self._vertices

    @property
    def edges(self) -> EdgeRDD:
        """The edges as an ``EdgeRDD`` of ``Edge(srcId, dstId, attr)``."""
        if self._edges is None:
            self._edges = EdgeRDD(self._eparts)
        return self._edges

    @property
    def triplets(self):
        """An RDD of ``EdgeTriplet(srcId, dstId, attr, srcAttr, dstAttr)``, one per edge."""
        return self._triplet_view(SRC | DST).mapPartitions(lambda it: (t for p in it for t in triplets(p, SRC | DST)))

    @property
    def numVertices(self) -> int:
        """The number of vertices."""
        return count_vertices(self._vparts)

    @property
    def numEdges(self) -> int:
        """The number of edges (parallel edges count one by one)."""
        return int(self._eparts.map(len).sum())

    @property
    def numPartitions(self) -> int:
        """The number of edge (and vertex) partitions."""
        return self._eparts.getNumPartitions()

    def _triplet_view(self, sides: int):
        """The edge partitions with the attributes of the vertices on ``sides`` shipped into their mirror."""
        if sides == 0:
            return self._eparts
        if self._view is not None and self._view_sides & sides == sides:
            return self._view
        n = self.numPartitions
        if self._base is not None and self._base[1] & sides == sides:
            base_view, base_sides = self._base
            shipped = flat_map_parts(self._vparts, partial(ship, sides=base_sides, incremental=True))
            view = ZippedPartitionsRDD([base_view, shipped.partitionBy(n, vertex_partitioner)],
                                       partial(apply_to_iterators, partial(_receive_into, True, False)))
            sides = base_sides
        else:
            sides |= self._view_sides if self._view is not None else 0
            shipped = flat_map_parts(self._vparts, partial(ship, sides=sides, incremental=False))
            view = zip_parts([self._eparts, shipped.partitionBy(n, vertex_partitioner)],
                             partial(_receive_into, False, False))
        self._view, self._view_sides = view.persist(), sides
        return view

    def _active_view(self, sides: int):
        """The view for a Pregel superstep: the changed vertices (those that received messages) shipped
        over the base view, and marked as the active set."""
        base_view, base_sides = self._base
        n = self.numPartitions
        shipped = flat_map_parts(self._vparts, partial(_ship_changed_active, base_sides))
        view = zip_parts([base_view, shipped.partitionBy(n, vertex_partitioner)], partial(_receive_into, True, True))
        self._view, self._view_sides = view.persist(), base_sides
        return view

    def _view_as_base(self):
        return (self._view, self._view_sides) if self._view is not None else None

    # -- messages -----------------------------------------------------------------------------
    def _message_parts(self, sender, merge, sides: int, direction: str | None = None):
        """An RDD of ``VertexPartition`` messages (one per vertex partition): ``sender`` run on every edge
        partition (on the active edges for ``direction``), merged by ``merge``."""
        view = self._active_view(sides) if direction is not None else self._triplet_view(sides)
        n = self.numPartitions
        blocks = flat_map_parts(view, partial(partition_messages, sender=sender, merge=merge, num_vertex_partitions=n,
                                              direction=direction))
        return zip_parts([blocks.partitionBy(n, vertex_partitioner)], partial(merge_blocks, merge=merge))

    def aggregateMessages(self, sendMsg, mergeMsg, tripletFields: TripletFields = TripletFields.All) -> VertexRDD:
        """Send messages along edges and merge them per vertex: ``sendMsg(ctx)`` runs once per edge with an
        ``EdgeContext`` (``srcId``, ``dstId``, ``attr``, ``srcAttr``, ``dstAttr``, ``sendToSrc(m)``,
        ``sendToDst(m)``); ``mergeMsg(a, b)`` merges two messages to one vertex (``"sum"``, ``"min"``,
        ``"max"``, ``operator.add``, ``min`` and ``max`` merge numbers column-wise). ``tripletFields`` says
        which vertex attributes ``sendMsg`` reads; only those are shipped. Returns a ``VertexRDD`` of the
        vertices that received a message.

        >>> g = Graph.fromEdgeTuples(sc.parallelize([(1, 2), (1, 3), (2, 3)]), 0)
        >>> sorted(g.aggregateMessages(lambda ctx: ctx.sendToDst(1), "sum", TripletFields.EdgeOnly).collect())
        [(2, 1), (3, 2)]
        """
        sides = tripletFields.sides
        return VertexRDD(self._message_parts(context_sender(sendMsg, sides), mergeMsg, sides))

    def _degree_parts(self, direction: str):
        def send(part: EdgePartition):
            ones = np.ones(len(part), dtype=np.int64)
            out = [(part.src_i, ones)] if direction in ("Out", "Either") else []
            return out + ([(part.dst_i, ones)] if direction in ("In", "Either") else [])
        return self._message_parts(send, "sum", 0)

    @property
    def inDegrees(self) -> VertexRDD:
        """``(id, in-degree)`` of every vertex with at least one incoming edge."""
        return VertexRDD(self._degree_parts("In"))

    @property
    def outDegrees(self) -> VertexRDD:
        """``(id, out-degree)`` of every vertex with at least one outgoing edge."""
        return VertexRDD(self._degree_parts("Out"))

    @property
    def degrees(self) -> VertexRDD:
        """``(id, degree)`` of every vertex with an edge; a self-loop counts twice."""
        return VertexRDD(self._degree_parts("Either"))

    def collectNeighborIds(self, edgeDirection: str) -> VertexRDD:
        """For every vertex, the list of its neighbours' ids along ``edgeDirection`` (``Out``: targets of
        its edges, ``In``: sources, ``Either``: both); empty lists for vertices with none."""
        return self._collect_neighbors(edgeDirection, False)

    def collectNeighbors(self, edgeDirection: str) -> VertexRDD:
        """Like ``collectNeighborIds`` with ``(id, attr)`` pairs of the neighbours."""
        return self._collect_neighbors(edgeDirection, True)

    def _collect_neighbors(self, direction: str, with_attrs: bool) -> VertexRDD:
        if EdgeDirection.check(direction) == EdgeDirection.Both:
            raise ValueError("collectNeighbors does not support EdgeDirection.Both: use Either")
        sides = {"Out": DST, "In": SRC, "Either": SRC | DST}[direction] if with_attrs else 0

        def send(part: EdgePartition):
            src, dst = part.src.tolist(), part.dst.tolist()
            if with_attrs:
                mirror = python_values(part.mirror)
                src = [(s, mirror[i]) for s, i in zip(src, part.src_i.tolist())] if sides & SRC else src
                dst = [(d, mirror[i]) for d, i in zip(dst, part.dst_i.tolist())] if sides & DST else dst
            out = [(part.src_i, objects([[d] for d in dst]))] if direction in ("Out", "Either") else []
            return out + ([(part.dst_i, objects([[s] for s in src]))] if direction in ("In", "Either") else [])
        neighbours = self._message_parts(send, operator.add, sides)
        joined = zip_parts([self._vparts, neighbours], lambda v, m: _attach_lists(one(v), one(m)))
        return VertexRDD(joined)

    # -- transformations ----------------------------------------------------------------------
    def _with_vertex_attrs(self, vparts) -> "Graph":
        return Graph._of(vparts, self._eparts, base=self._view_as_base())

    def mapVertices(self, f) -> "Graph":
        """Every vertex attribute through ``f(id, attr)``; the structure (and the indices) stay."""
        def apply(p: VertexPartition) -> VertexPartition:
            new = column([f(i, a) for i, a in p.pairs()])
            return p.with_attrs(new, changed_mask(p.attrs, new))
        return self._with_vertex_attrs(map_parts(self._vparts, apply))

    def _map_vertex_columns(self, f) -> "Graph":
        def apply(p: VertexPartition) -> VertexPartition:
            new = f(p.ids, p.attrs)
            return p.with_attrs(new, changed_mask(p.attrs, new))
        return self._with_vertex_attrs(map_parts(self._vparts, apply))

    def mapEdges(self, f) -> "Graph":
        """Every edge attribute through ``f(edge)`` (an ``Edge``)."""
        def apply(p: EdgePartition) -> EdgePartition:
            return p.with_attr(column([f(Edge(s, d, a)) for s, d, a in
                                       zip(p.src.tolist(), p.dst.tolist(), python_values(p.attr))]))
        eparts = map_parts(self._eparts, apply).persist()
        return Graph._of(self._vparts, eparts)

    def mapTriplets(self, f, tripletFields: TripletFields = TripletFields.All) -> "Graph":
        """Every edge attribute through ``f(triplet)`` (an ``EdgeTriplet``); ``tripletFields`` says which
        vertex attributes ``f`` reads."""
        sides = tripletFields.sides

        def apply(p: EdgePartition) -> EdgePartition:
            return p.with_attr(column([f(t) for t in triplets(p, sides)]))
        return self._map_triplet_columns(apply, sides)

    def _map_triplet_columns(self, apply, sides: int) -> "Graph":
        view = map_parts(self._triplet_view(sides), apply).persist()
        return Graph._of(self._vparts, map_parts(view, EdgePartition.bare), view, self._view_sides)

    def reverse(self) -> "Graph":
        """The graph with every edge's direction reversed."""
        def flip(p: EdgePartition) -> EdgePartition:
            return EdgePartition(p.dst, p.src, p.attr, p.local, p.dst_i, p.src_i, p.mirror, p.active)

        def flip_routing(p: VertexPartition) -> VertexPartition:
            routing = [(pos, ((flags & SRC) << 1) | ((flags & DST) >> 1)) for pos, flags in p.routing]
            return VertexPartition(p.ids, p.attrs, routing, p.changed)
        sides = ((self._view_sides & SRC) << 1) | ((self._view_sides & DST) >> 1)
        view = map_parts(self._view, flip) if self._view is not None else None
        return Graph._of(map_parts(self._vparts, flip_routing), map_parts(self._eparts, flip).persist(), view, sides)

    def subgraph(self, epred=None, vpred=None) -> "Graph":
        """The vertices with ``vpred(id, attr)`` true and the edges with ``epred(triplet)`` true whose both
        ends are kept (either predicate may be None: keep all)."""
        vertices = self.vertices.filter(lambda kv: vpred(kv[0], kv[1])) if vpred is not None else self.vertices
        sides = SRC | DST if vpred is not None or epred is not None else 0

        def keep(p: EdgePartition) -> EdgePartition:
            mask = np.ones(len(p), dtype=bool)
            for i, t in enumerate(triplets(p, sides)):
                if vpred is not None and not (vpred(t.srcId, t.srcAttr) and vpred(t.dstId, t.dstAttr)):
                    mask[i] = False
                elif epred is not None and not epred(t):
                    mask[i] = False
            return _compact(p.select(mask))
        g = Graph.__new__(Graph)
        g._build(vertices, map_parts(self._triplet_view(sides), keep), None)
        return g

    def mask(self, other: "Graph") -> "Graph":
        """The vertices and edges of this graph that are also in ``other`` (by id, and by ``(src, dst)``),
        with this graph's attributes."""
        ids = other.vertices.map(lambda kv: (kv[0], None))
        vertices = self.vertices.join(ids).map(lambda kv: (kv[0], kv[1][0]))
        keys = other.edges.map(lambda e: ((e.srcId, e.dstId), None)).distinct()
        edges = self.edges.map(lambda e: ((e.srcId, e.dstId), e.attr)).join(keys).map(
            lambda kv: (kv[0][0], kv[0][1], kv[1][0]))
        return Graph(vertices, edges.coalesce(self.numPartitions) if edges.getNumPartitions() > self.numPartitions
                     else edges)

    def groupEdges(self, merge) -> "Graph":
        """Parallel edges (same source and destination) in the same partition merged into one whose
        attribute is ``merge`` of theirs; ``partitionBy`` first to bring parallel edges together."""
        def apply(p: EdgePartition) -> EdgePartition:
            if not len(p):
                return p.bare()
            keys = p.src_i * len(p.local) + p.dst_i
            distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            _, merged = reduce_at(inverse.astype(np.int64), p.attr, len(distinct), merge)
            return EdgePartition(p.src[first], p.dst[first], merged, p.local, p.src_i[first], p.dst_i[first])
        return Graph._of(self._vparts, map_parts(self._eparts, apply).persist())

    def removeSelfEdges(self) -> "Graph":
        """The graph without edges from a vertex to itself."""
        return Graph._of(self._vparts, map_parts(self._eparts, lambda p: p.select(p.src != p.dst).bare()).persist())

    def convertToCanonicalEdges(self, mergeFunc=lambda a, b: a) -> "Graph":
        """Every edge as ``(min, max)`` of its ends, edges with equal ends merged by ``mergeFunc``."""
        edges = self.edges.map(lambda e: ((min(e.srcId, e.dstId), max(e.srcId, e.dstId)), e.attr)).reduceByKey(
            mergeFunc, self.numPartitions).map(lambda kv: Edge(kv[0][0], kv[0][1], kv[1]))
        return Graph(self.vertices, edges)

    # -- joins --------------------------------------------------------------------------------
    def outerJoinVertices(self, other, mapFunc) -> "Graph":
        """Every vertex attribute replaced by ``mapFunc(id, attr, value)``, ``value`` from ``other`` (an RDD of
        ``(id, value)``) or None for vertices it lacks."""
        def apply(v, t):
            p, table = one(v), one(t)
            found, values = lookup(table, p.ids)
            new = column([mapFunc(i, a, u if hit else None) for i, a, u, hit in
                          zip(p.ids.tolist(), python_values(p.attrs), values, found.tolist())])
            return p.with_attrs(new, changed_mask(p.attrs, new))
        return self._with_vertex_attrs(zip_parts([self._vparts, aligned_parts(other, self.numPartitions)], apply))

    def joinVertices(self, table, mapFunc) -> "Graph":
        """The attribute of every vertex in ``table`` replaced by ``mapFunc(id, attr, value)``; other vertices
        keep theirs."""
        def apply(v, t):
            p, tab = one(v), one(t)
            found, values = lookup(tab, p.ids)
            if not found.any():
                return p.with_attrs(p.attrs, found)
            hits = np.flatnonzero(found)
            new = column([mapFunc(i, a, u) for i, a, u in
                          zip(p.ids[hits].tolist(), python_values(p.attrs[hits]), [values[h] for h in hits.tolist()])])
            attrs = assign(p.attrs, len(p.ids), hits, new)
            return p.with_attrs(attrs, changed_mask(p.attrs, attrs) if attrs.dtype == p.attrs.dtype else None)
        return self._with_vertex_attrs(zip_parts([self._vparts, aligned_parts(table, self.numPartitions)], apply))

    def _join_columns(self, other_parts, f) -> "Graph":
        """Vertex attributes ``f(ids, attrs, found, values)`` with ``other_parts`` (message-like partitions)."""
        def apply(v, t):
            p, tab = one(v), one(t)
            found, at = locate(tab, p.ids)
            new = f(p.ids, p.attrs, found, np.zeros(len(p.ids)) if at is None else tab.attrs[at])
            return p.with_attrs(new, changed_mask(p.attrs, new))
        return self._with_vertex_attrs(zip_parts([self._vparts, other_parts], apply))

    # -- Pregel -------------------------------------------------------------------------------
    def pregel(self, initialMsg, vprog, sendMsg, mergeMsg, maxIterations: int = sys.maxsize,
               activeDirection: str = EdgeDirection.Either) -> "Graph":
        """GraphX's Pregel: superstep 0 runs ``vprog(id, attr, initialMsg)`` on every vertex and
        ``sendMsg(triplet)`` (yielding ``(vertexId, msg)`` for either end) on every edge; each later
        superstep runs ``vprog`` on the vertices that received messages (merged with ``mergeMsg``) and
        ``sendMsg`` on the edges whose ends, per ``activeDirection``, received one. It stops when no
        message is sent, or after ``maxIterations`` supersteps: the result's ``converged`` says which and
        ``iterations`` how many ran. The lineage is cut every ``spark.graphx.pregel.checkpointInterval``
        supersteps, checkpointed into the context's checkpoint directory when it has one; when the key is
        unset, locally every 5 supersteps (Spark's default, -1, never cuts it and overflows the stack
        after some hundred supersteps).

        >>> g = Graph.fromEdgeTuples(sc.parallelize([(1, 2), (2, 3)]), 0)
        >>> hops = g.mapVertices(lambda vid, _: 0 if vid == 1 else 99).pregel(
        ...     99, lambda vid, attr, msg: min(attr, msg),
        ...     lambda t: [(t.dstId, t.srcAttr + 1)] if t.srcAttr + 1 < t.dstAttr else [], min)
        >>> sorted(hops.vertices.collect()), hops.converged
        ([(1, 0), (2, 1), (3, 2)], True)
        """
        from sparklite.graph.pregel import run_pregel
        return run_pregel(self, initialMsg, _python_vprog(vprog), triplet_sender(sendMsg), mergeMsg,
                          SRC | DST, maxIterations, EdgeDirection.check(activeDirection))

    # -- partitioning and persistence ---------------------------------------------------------
    def partitionBy(self, partitionStrategy, numPartitions: int | None = None) -> "Graph":
        """The graph with its edges repartitioned by ``partitionStrategy`` (a ``PartitionStrategy``) into
        ``numPartitions`` (default: as now); vertex attributes are kept."""
        n = numPartitions or self.numPartitions
        strategy = partitionStrategy

        def blocks(p: EdgePartition):
            target = strategy.partitions(p.src, p.dst, n)
            for t in np.unique(target).tolist():
                mine = target == t
                yield t, (p.src[mine], p.dst[mine], p.attr[mine])
        moved = self._eparts.mapPartitions(lambda it: (b for p in it for b in blocks(p))).partitionBy(n, vertex_partitioner)
        eparts = moved.mapPartitions(lambda it: [_edges_of_blocks(it)], True)
        g = Graph.__new__(Graph)
        g._build(self.vertices, eparts, None)
        return g

    def persist(self, newLevel: StorageLevel = StorageLevel.MEMORY_ONLY) -> "Graph":
        """Persist the vertex and edge partitions at ``newLevel`` (a level already set stays); returns the graph."""
        for rdd in (self._vparts, self._eparts):
            if not rdd.is_cached:
                rdd.persist(newLevel)
        return self

    def cache(self) -> "Graph":
        """``persist`` in memory."""
        return self.persist()

    def unpersist(self, blocking: bool = False) -> "Graph":
        """Drop the cached vertex and edge partitions and the cached views."""
        self.unpersistVertices(blocking)
        self._eparts.unpersist(blocking)
        return self

    def unpersistVertices(self, blocking: bool = False) -> "Graph":
        """Drop the cached vertex partitions and views, keeping the edges."""
        self._vparts.unpersist(blocking)
        if self._view is not None:
            self._view.unpersist(blocking)
        return self

    def checkpoint(self) -> None:
        """Mark the vertex and edge partitions for checkpointing into the checkpoint directory
        (``sc.setCheckpointDir`` first); written by the next job that computes them. (A graph's partitions
        are locally checkpointed when it is built; this writes them to reliable storage.)"""
        def reliable(rdd):
            if rdd.isLocallyCheckpointed():
                rdd = map_parts(rdd, _same).persist()
            rdd.checkpoint()
            return rdd
        self._vparts, self._eparts = reliable(self._vparts), reliable(self._eparts)
        self._vertices = self._edges = None

    def isCheckpointed(self) -> bool:
        """Whether both the vertex and edge partitions have been checkpointed."""
        return self._vparts.isCheckpointed() and self._eparts.isCheckpointed()

    def getCheckpointFiles(self) -> list:
        """The checkpoint directories of the vertex and edge partitions written so far."""
        return [f for f in (self._vparts.getCheckpointFile(), self._eparts.getCheckpointFile()) if f]

    # -- algorithms (sparklite.graph.lib) ----------------------------------------------------
    def pageRank(self, tol: float, resetProb: float = 0.15) -> "Graph":
        """PageRank until every rank moves less than ``tol``; see ``lib.PageRank``."""
        from sparklite.graph.lib import PageRank
        return PageRank.runUntilConvergence(self, tol, resetProb)

    def staticPageRank(self, numIter: int, resetProb: float = 0.15) -> "Graph":
        """PageRank for ``numIter`` iterations; see ``lib.PageRank``."""
        from sparklite.graph.lib import PageRank
        return PageRank.run(self, numIter, resetProb)

    def personalizedPageRank(self, src: int, tol: float, resetProb: float = 0.15) -> "Graph":
        """PageRank personalised to vertex ``src`` until it moves less than ``tol``; ranks sum to 1."""
        from sparklite.graph.lib import PageRank
        return PageRank.runUntilConvergence(self, tol, resetProb, src)

    def staticPersonalizedPageRank(self, src: int, numIter: int, resetProb: float = 0.15) -> "Graph":
        """PageRank personalised to vertex ``src`` for ``numIter`` iterations; ranks sum to 1."""
        from sparklite.graph.lib import PageRank
        return PageRank.run(self, numIter, resetProb, src)

    def staticParallelPersonalizedPageRank(self, sources: list, numIter: int, resetProb: float = 0.15) -> "Graph":
        """Personalised PageRank for every vertex of ``sources`` at once: each vertex's attribute is the list
        of its ranks, one per source (each source's ranks sum to 1)."""
        from sparklite.graph.lib import PageRank
        return PageRank.runParallelPersonalizedPageRank(self, numIter, resetProb, sources)

    def connectedComponents(self, maxIterations: int | None = None) -> "Graph":
        """Each vertex labelled with the smallest vertex id of its connected component (directions ignored)."""
        from sparklite.graph.lib import ConnectedComponents
        return ConnectedComponents.run(self, sys.maxsize if maxIterations is None else maxIterations)

    def stronglyConnectedComponents(self, numIter: int) -> "Graph":
        """Each vertex labelled with the smallest vertex id of its strongly connected component."""
        from sparklite.graph.lib import StronglyConnectedComponents
        return StronglyConnectedComponents.run(self, numIter)

    def triangleCount(self) -> "Graph":
        """Each vertex labelled with the number of triangles through it (directions, parallel edges and
        self-loops ignored)."""
        from sparklite.graph.lib import TriangleCount
        return TriangleCount.run(self)


def _same(part):
    return part


def _attach_lists(p: VertexPartition, received: VertexPartition) -> VertexPartition:
    found, values = lookup(received, p.ids)
    return VertexPartition(p.ids, objects([v if hit else [] for v, hit in zip(values, found.tolist())]))


def _compact(p: EdgePartition) -> EdgePartition:
    return EdgePartition.of(p.src, p.dst, p.attr)


def _edges_of_blocks(blocks) -> EdgePartition:
    parts = [b for _, b in blocks]
    if not parts:
        return EdgePartition.of(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, dtype=object))
    return EdgePartition.of(np.concatenate([b[0] for b in parts]), np.concatenate([b[1] for b in parts]),
                            concat([b[2] for b in parts]))

