"""GraphX's API (``sparklite.graph.Graph`` and ``lib``) against networkx and plain Python computations.

The oracles follow the correspondence table of the reference (section 3.5): PageRank at convergence
equals ``nx.pagerank(weight=None)`` on the MultiDiGraph times n (personalised: as it is), components are
compared as partitions, triangles on the simple undirected graph without self-loops, landmark distances
are ``nx.shortest_path_length(G, target=l)``, degrees count parallel edges and a self-loop twice and omit
zero-degree vertices. The graph atlas's 1,252 non-empty graphs run as one graph of disjoint pieces.
"""
from __future__ import annotations

import collections
import operator
import random
import sys

import networkx as nx
import pytest

from sparklite import SparkConf, SparkContext
from sparklite.graph import Edge, EdgeDirection, Graph, GraphLoader, PartitionStrategy, TripletFields, lib


@pytest.fixture(scope="module")
def gsc():
    from tests.conftest import _stop_shared
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    sc = SparkContext("local[2]", "graph-tests")
    yield sc
    sc.stop()


def multigraph(seed: int = 7, n: int = 40) -> nx.MultiDiGraph:
    """A seeded directed gnp graph with dangling vertices, self-loops, parallel edges and isolated vertices."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph(nx.gnp_random_graph(n, 0.06, seed=seed, directed=True))
    for _ in range(6):
        u, v = rng.sample(sorted(G), 2)
        G.add_edge(u, v)
        G.add_edge(u, v)
    for u in rng.sample(sorted(G), 3):
        G.add_edge(u, u)
    G.add_nodes_from([n, n + 1])
    return G


def graph_of(sc, G, parts: int = 2, vertex_attr=None) -> Graph:
    vertices = sc.parallelize([(v, vertex_attr) for v in G.nodes()], parts)
    edges = sc.parallelize([Edge(u, v, 1) for u, v, *_ in G.edges()], parts)
    return Graph(vertices, edges, 0)


def directed(G) -> list:
    return [(u, v) for u, v in G.edges()] + [(v, u) for u, v in G.edges()]


def as_partition(labels: dict) -> list:
    groups = collections.defaultdict(set)
    for v, label in labels.items():
        groups[label].add(v)
    return sorted(sorted(g) for g in groups.values())


# -- construction and views -------------------------------------------------------------------
def test_missing_endpoints_get_the_default_and_views_show_the_attributes(gsc):
    g = Graph(gsc.parallelize([(1, "a"), (2, "b"), (2, "b")]),
              gsc.parallelize([Edge(1, 2, 0.5), (2, 3, 1.0), Edge(3, 3, 2.0)]), "?")
    assert sorted(g.vertices.collect()) == [(1, "a"), (2, "b"), (3, "?")]
    assert (g.numVertices, g.numEdges) == (3, 3)
    assert sorted(g.edges.collect()) == [Edge(1, 2, 0.5), Edge(2, 3, 1.0), Edge(3, 3, 2.0)]
    assert sorted((t.srcId, t.dstId, t.attr, t.srcAttr, t.dstAttr) for t in g.triplets.collect()) == [
        (1, 2, 0.5, "a", "b"), (2, 3, 1.0, "b", "?"), (3, 3, 2.0, "?", "?")]


@pytest.mark.parametrize("where", ["edge", "vertex"])
def test_a_non_integer_vertex_id_is_named(gsc, where):
    if where == "edge":
        g = Graph.fromEdgeTuples(gsc.parallelize([(1, 2), ("x7", 3)]), 0)
    else:
        g = Graph(gsc.parallelize([(1.5, "a")]), gsc.parallelize([Edge(1, 2, 0)]))
    with pytest.raises(Exception, match="x7" if where == "edge" else "1.5") as info:
        g.numVertices
    assert "integer" in str(info.value)


def test_edge_list_files_load_as_graphx_reads_them(gsc, tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("# a comment\n1 2\n3\t1\n2 2\n")
    g = GraphLoader.edgeListFile(gsc, str(path), canonicalOrientation=True)
    assert sorted(g.edges.collect()) == [Edge(1, 2, 1), Edge(1, 3, 1), Edge(2, 2, 1)]
    assert sorted(g.vertices.collect()) == [(1, 1), (2, 1), (3, 1)]
    path.write_text("1 2\nx 3\n")
    with pytest.raises(Exception, match="'x 3'"):
        GraphLoader.edgeListFile(gsc, str(path)).numEdges


def test_degrees_match_networkx(gsc):
    G = multigraph()
    g = graph_of(gsc, G)
    for mine, theirs in ((g.inDegrees, G.in_degree()), (g.outDegrees, G.out_degree()), (g.degrees, G.degree())):
        assert dict(mine.collect()) == {v: d for v, d in theirs if d}


# -- operators --------------------------------------------------------------------------------
def test_maps_reverse_and_joins(gsc):
    G = multigraph(seed=11, n=25)
    g = graph_of(gsc, G, vertex_attr=1)
    edges = [(u, v) for u, v, *_ in G.edges()]
    m = g.mapVertices(lambda vid, _: vid * 10).mapEdges(lambda e: e.srcId + e.dstId)
    assert sorted(m.vertices.collect()) == [(v, v * 10) for v in sorted(G)]
    assert sorted(m.edges.collect()) == sorted(Edge(u, v, u + v) for u, v in edges)
    t = m.mapTriplets(lambda t: (t.srcAttr, t.dstAttr, t.attr), TripletFields.All)
    assert sorted(e.attr for e in t.edges.collect()) == sorted((u * 10, v * 10, u + v) for u, v in edges)
    r = m.reverse()
    assert sorted((e.srcId, e.dstId) for e in r.edges.collect()) == sorted((v, u) for u, v in edges)
    assert sorted((x.srcId, x.srcAttr) for x in r.triplets.collect()) == sorted((v, v * 10) for u, v in edges)
    table = gsc.parallelize([(v, "t") for v in sorted(G) if v % 3 == 0] + [(999, "none")])
    joined = dict(m.joinVertices(table, lambda vid, attr, u: f"{attr}{u}").vertices.collect())
    assert joined == {v: f"{v * 10}t" if v % 3 == 0 else v * 10 for v in G}
    outer = dict(m.outerJoinVertices(table, lambda vid, attr, u: (attr, u)).vertices.collect())
    assert outer == {v: (v * 10, "t" if v % 3 == 0 else None) for v in G}
    # a graph made from another ships only what changed: its triplets see the new attributes
    assert sorted((x.srcAttr, x.dstAttr) for x in m.joinVertices(table, lambda vid, a, u: -a).triplets.collect()) == \
        sorted((-u * 10 if u % 3 == 0 else u * 10, -v * 10 if v % 3 == 0 else v * 10) for u, v in edges)


def test_subgraph_mask_group_edges_and_canonical_edges(gsc):
    G = multigraph(seed=5, n=30)
    g = graph_of(gsc, G).mapVertices(lambda vid, _: vid)
    edges = [(u, v) for u, v, *_ in G.edges()]
    sub = g.subgraph(epred=lambda t: t.srcId != t.dstId, vpred=lambda vid, attr: attr % 4 != 0)
    assert sorted(v for v, _ in sub.vertices.collect()) == [v for v in sorted(G) if v % 4]
    assert sorted((e.srcId, e.dstId) for e in sub.edges.collect()) == sorted(
        (u, v) for u, v in edges if u != v and u % 4 and v % 4)
    masked = g.mask(sub)
    assert sorted(masked.vertices.collect()) == sorted(sub.vertices.collect())
    assert sorted((e.srcId, e.dstId) for e in masked.edges.collect()) == sorted(
        (u, v) for u, v in edges if (u, v) in set(edges) and u != v and u % 4 and v % 4)
    grouped = g.partitionBy(PartitionStrategy.RandomVertexCut).groupEdges(operator.add)
    assert sorted((e.srcId, e.dstId, e.attr) for e in grouped.edges.collect()) == sorted(
        (u, v, c) for (u, v), c in collections.Counter(edges).items())
    canonical = g.convertToCanonicalEdges(operator.add)
    expected = collections.Counter((min(u, v), max(u, v)) for u, v in edges)
    assert sorted((e.srcId, e.dstId, e.attr) for e in canonical.edges.collect()) == sorted(
        (u, v, c) for (u, v), c in expected.items())
    assert sorted((e.srcId, e.dstId) for e in g.removeSelfEdges().edges.collect()) == sorted(
        (u, v) for u, v in edges if u != v)


def test_partition_strategies_place_edges_as_graphx_does(gsc):
    G = multigraph(seed=9, n=60)
    edges = [(u, v) for u, v, *_ in G.edges()] + [(v, u) for u, v, *_ in G.edges()]
    g = Graph.fromEdgeTuples(gsc.parallelize(edges, 3), 0)
    for strategy in (PartitionStrategy.EdgePartition1D, PartitionStrategy.EdgePartition2D,
                     PartitionStrategy.RandomVertexCut, PartitionStrategy.CanonicalRandomVertexCut):
        placed = g.partitionBy(strategy, 9).edges.mapPartitionsWithIndex(
            lambda i, it: [(i, e.srcId, e.dstId) for e in it]).collect()
        assert sorted((s, d) for _, s, d in placed) == sorted(edges)
        assert all(strategy.getPartition(s, d, 9) == i for i, s, d in placed)
        where = collections.defaultdict(set)
        for i, s, d in placed:
            where[(min(s, d), max(s, d)) if strategy is PartitionStrategy.CanonicalRandomVertexCut else (s, d)].add(i)
        if strategy in (PartitionStrategy.RandomVertexCut, PartitionStrategy.CanonicalRandomVertexCut):
            assert all(len(p) == 1 for p in where.values())
        replicas = collections.defaultdict(set)
        for i, s, d in placed:
            replicas[s].add(i)
            replicas[d].add(i)
        if strategy is PartitionStrategy.EdgePartition2D:
            assert max(len(p) for p in replicas.values()) <= 2 * 3
        if strategy is PartitionStrategy.EdgePartition1D:
            assert all(len({i for i, s, _ in placed if s == v}) == 1 for v in replicas)
    assert PartitionStrategy.fromString("EdgePartition2D") is PartitionStrategy.EdgePartition2D


def test_aggregate_messages_and_neighbours(gsc):
    G = multigraph(seed=13, n=30)
    g = graph_of(gsc, G).mapVertices(lambda vid, _: vid * 2)
    edges = [(u, v) for u, v, *_ in G.edges()]

    def send(ctx):
        ctx.sendToDst(ctx.srcAttr)
        ctx.sendToSrc(1)
    got = dict(g.aggregateMessages(send, lambda a, b: a + b).collect())
    expected = collections.Counter()
    for u, v in edges:
        expected[v] += u * 2
        expected[u] += 1
    assert got == dict(expected)
    assert dict(g.aggregateMessages(lambda ctx: ctx.sendToDst(ctx.srcAttr), "max", TripletFields.Src).collect()) == {
        v: max(u * 2 for u, w in edges if w == v) for v in {w for _, w in edges}}
    out = {v: sorted(ids) for v, ids in g.collectNeighborIds(EdgeDirection.Out).collect()}
    assert out == {v: sorted(w for u, w in edges if u == v) for v in G}
    either = {v: sorted(n) for v, n in g.collectNeighbors(EdgeDirection.Either).collect()}
    assert either == {v: sorted([(w, w * 2) for u, w in edges if u == v] + [(u, u * 2) for u, w in edges if w == v])
                      for v in G}
    with pytest.raises(ValueError, match="Both"):
        g.collectNeighborIds(EdgeDirection.Both)


def test_vertex_rdd_joins_and_aggregation_keep_the_vertex_layout(gsc):
    g = Graph.fromEdgeTuples(gsc.parallelize([(i, (i * 7) % 20) for i in range(20)], 3), 0).mapVertices(
        lambda vid, _: vid * 2)
    vertices = g.vertices
    table = gsc.parallelize([(i, f"t{i}") for i in range(0, 30, 3)], 2)
    assert sorted(vertices.innerJoin(table, lambda vid, a, b: (a, b)).collect()) == [
        (i, (i * 2, f"t{i}")) for i in range(0, 20, 3)]
    left = dict(vertices.leftJoin(table, lambda vid, a, b: b).collect())
    assert left == {i: f"t{i}" if i % 3 == 0 else None for i in range(20)}
    assert sorted(k for k, _ in vertices.minus(table).collect()) == [i for i in range(20) if i % 3]
    other = g.mapVertices(lambda vid, a: a + 1 if vid % 5 == 0 else a).vertices
    assert sorted(vertices.diff(other).collect()) == [(i, i * 2 + 1) for i in range(0, 20, 5)]
    messages = gsc.parallelize([(i % 25, 1) for i in range(100)], 2)
    assert dict(vertices.aggregateUsingIndex(messages, "sum").collect()) == {i: 4 for i in range(20)}
    assert dict(vertices.mapVertexValues(lambda vid, a: a - vid).collect()) == {i: i for i in range(20)}
    degrees = g.outDegrees.innerJoin(g.inDegrees, lambda vid, o, i: o + i)
    assert dict(degrees.collect()) == dict(g.degrees.collect())


# -- Pregel -----------------------------------------------------------------------------------
def hops_from_zero(graph, **kw):
    return graph.mapVertices(lambda vid, _: 0 if vid == 0 else -1).pregel(
        -1, lambda vid, attr, msg: max(attr, msg),
        lambda t: [(t.dstId, t.srcAttr + 1)] if t.srcAttr >= 0 and t.dstAttr < 0 else [], max, **kw)


def test_pregel_runs_200_supersteps_with_a_short_lineage(gsc):
    chain = Graph.fromEdgeTuples(gsc.parallelize([(i, i + 1) for i in range(205)], 1), 0)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(600)      # a lineage that grew with every superstep would overflow this
    try:
        result = hops_from_zero(chain, maxIterations=200)
    finally:
        sys.setrecursionlimit(limit)
    hops = dict(result.vertices.collect())
    assert (result.iterations, result.converged) == (200, False)
    assert hops[200] == 200 and hops[201] == -1
    assert len(result.vertices.toDebugString().decode().splitlines()) < 150


# -- algorithms -------------------------------------------------------------------------------
def disjoint_union(*graphs) -> nx.MultiDiGraph:
    union, offset = nx.MultiDiGraph(), 0
    for G in graphs:
        union.add_nodes_from(v + offset for v in G)
        union.add_edges_from((u + offset, v + offset) for u, v, *_ in G.edges())
        offset += 1000
    return union


def test_pagerank_at_convergence_is_networkx_times_n(gsc):
    """karate, les_miserables (both directions of every edge) and a multigraph with dangling vertices,
    self-loops and parallel edges, as one graph of three components."""
    karate = nx.MultiDiGraph(directed(nx.karate_club_graph()))
    les_mis = nx.MultiDiGraph(directed(nx.convert_node_labels_to_integers(nx.les_miserables_graph())))
    G = disjoint_union(karate, les_mis, multigraph())
    g = graph_of(gsc, G)
    ranks = dict(g.pageRank(1e-11).vertices.collect())
    expected = nx.pagerank(G, weight=None, tol=1e-15, max_iter=1000)
    assert max(abs(ranks[v] / len(G) - expected[v]) for v in G) < 1e-9
    alone = dict(Graph.fromEdgeTuples(gsc.parallelize(list(karate.edges()), 2), 0).staticPageRank(20).vertices.collect())
    top = sorted(alone, key=alone.get, reverse=True)[:3]
    assert top == [33, 0, 32] and abs(alone[33] - 3.43125) < 1e-3
    expected = nx.pagerank(karate, weight=None, tol=1e-15)
    assert max(abs(alone[v] / 34 - expected[v]) for v in karate) < 2e-5


def test_personalized_pagerank_until_convergence_static_and_parallel(gsc):
    G = multigraph(seed=3, n=20)
    g = graph_of(gsc, G)
    personal = dict(g.personalizedPageRank(3, 1e-9).vertices.collect())
    expected = nx.pagerank(G, weight=None, personalization={3: 1}, tol=1e-15, max_iter=1000)
    assert max(abs(personal[v] - expected[v]) for v in G) < 1e-7
    F = nx.MultiDiGraph(directed(nx.convert_node_labels_to_integers(nx.florentine_families_graph())))
    f = Graph.fromEdgeTuples(gsc.parallelize(list(F.edges()), 2), 0)
    parallel = dict(f.staticParallelPersonalizedPageRank([0, 5], 40).vertices.collect())
    single = dict(f.staticPersonalizedPageRank(5, 40).vertices.collect())
    for k, source in enumerate([0, 5]):
        expected = nx.pagerank(F, weight=None, personalization={source: 1}, tol=1e-15, max_iter=1000)
        assert max(abs(parallel[v][k] - expected[v]) for v in F) < 1e-4
    assert max(abs(parallel[v][1] - single[v]) for v in F) < 1e-12


def atlas_union(directed_edges: bool):
    """The graph atlas's graphs with 1 to 7 vertices, as disjoint pieces of one graph."""
    rng = random.Random(1)
    pieces, edges, offset = [], [], 0
    for H in nx.graph_atlas_g()[1:]:
        nodes = {v: v + offset for v in H}
        piece_edges = [(nodes[u], nodes[v]) if not directed_edges or rng.random() < 0.5 else (nodes[v], nodes[u])
                       for u, v in H.edges()]
        pieces.append((sorted(nodes.values()), piece_edges))
        edges += piece_edges
        offset += 10
    return pieces, edges


def test_components_triangles_and_paths_over_the_graph_atlas(gsc):
    pieces, edges = atlas_union(directed_edges=True)
    vertices = gsc.parallelize([(v, None) for nodes, _ in pieces for v in nodes], 2)
    g = Graph(vertices, gsc.parallelize([Edge(u, v, 0) for u, v in edges], 2))
    D = nx.DiGraph()
    for nodes, piece in pieces:
        D.add_nodes_from(nodes)
        D.add_edges_from(piece)
    cc = dict(g.connectedComponents().vertices.collect())
    assert as_partition(cc) == sorted(sorted(c) for c in nx.weakly_connected_components(D))
    assert all(cc[v] == min(c) for c in nx.weakly_connected_components(D) for v in c)
    scc = dict(g.stronglyConnectedComponents(20).vertices.collect())
    assert as_partition(scc) == sorted(sorted(c) for c in nx.strongly_connected_components(D))
    triangles = dict(g.triangleCount().vertices.collect())
    assert triangles == nx.triangles(nx.Graph(D))
    landmarks = [nodes[0] for nodes, _ in pieces[::40]]
    paths = dict(lib.ShortestPaths.run(g, landmarks).vertices.collect())
    expected = {v: {} for v in D}
    for mark in landmarks:
        for v, hops in nx.shortest_path_length(D, target=mark).items():
            expected[v][mark] = hops
    assert paths == expected


def test_components_and_triangles_on_networkx_graphs(gsc):
    G = multigraph(seed=21, n=50)
    g = graph_of(gsc, G)
    assert as_partition(dict(g.connectedComponents().vertices.collect())) == sorted(
        sorted(c) for c in nx.weakly_connected_components(G))
    assert as_partition(dict(g.stronglyConnectedComponents(10).vertices.collect())) == sorted(
        sorted(c) for c in nx.strongly_connected_components(G))
    simple = nx.Graph(G)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    assert dict(g.triangleCount().vertices.collect()) == nx.triangles(simple)
    karate = Graph.fromEdgeTuples(gsc.parallelize(list(nx.karate_club_graph().edges()), 2), 0)
    counts = dict(karate.triangleCount().vertices.collect())
    assert (sum(counts.values()) // 3, counts[0], counts[33]) == (45, 18, 15)


def test_connected_components_stops_at_max_iterations(gsc):
    chain = Graph.fromEdgeTuples(gsc.parallelize([(i, i + 1) for i in range(10)], 2), 0)
    capped = chain.connectedComponents(maxIterations=3)
    labels = dict(capped.vertices.collect())
    assert (capped.converged, capped.iterations) == (False, 3)
    assert labels[3] == 0 and labels[4] == 1
    with pytest.raises(ValueError, match="greater than 0"):
        chain.connectedComponents(maxIterations=0)


def test_label_propagation_gives_each_clique_one_label(gsc):
    edges = []
    for base in (0, 10, 20):
        clique = nx.complete_graph(range(base, base + 5))
        edges += directed(clique)
    edges += [(4, 10)]
    g = Graph.fromEdgeTuples(gsc.parallelize(edges, 2), 0)
    labels = dict(lib.LabelPropagation.run(g, 5).vertices.collect())
    assert as_partition(labels) == [list(range(b, b + 5)) for b in (0, 10, 20)]


@pytest.mark.ray
def test_pagerank_and_components_on_ray(ray_cluster):
    from tests.conftest import _stop_shared
    _stop_shared()
    if SparkContext._active is not None:
        SparkContext._active.stop()
    sc = SparkContext(conf=SparkConf().setMaster("ray").setAppName("graph-ray"))
    try:
        G = nx.karate_club_graph()
        g = Graph.fromEdgeTuples(sc.parallelize(directed(G), 2), 0)
        ranks = dict(g.staticPageRank(20).vertices.collect())
        expected = nx.pagerank(nx.MultiDiGraph(directed(G)), weight=None, tol=1e-15)
        assert max(abs(ranks[v] / 34 - expected[v]) for v in G) < 2e-5
        assert set(dict(g.connectedComponents().vertices.collect()).values()) == {0}
    finally:
        sc.stop()
