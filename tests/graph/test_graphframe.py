"""GraphFrame (``sparklite/graph/graphframe.py``) against networkx and plain Python computations.

Oracles follow the correspondence table of the reference (section 3.5): degrees from a MultiDiGraph,
PageRank to 1e-9 against ``nx.pagerank(weight=None)`` times n, components compared as partitions,
triangles on the simple undirected graph without self-loops, landmark distances from
``nx.shortest_path_length(G, target=l)``, bfs against ``nx.all_shortest_paths``. Motifs have their own
module, ``test_motif.py``.
"""
from __future__ import annotations

import collections

import networkx as nx
import pytest

from sparklite.sql import functions as F
from sparklite.graph.graphframe import AggregateMessages as AM
from sparklite.graph.graphframe import GraphFrame



def multigraph(seed: int = 3, n: int = 30) -> nx.MultiDiGraph:
    """A seeded directed gnp graph plus self-loops, parallel edges and isolated vertices."""
    G = nx.MultiDiGraph(nx.gnp_random_graph(n, 0.08, seed=seed, directed=True))
    G.add_edges_from([(1, 1), (2, 2), (3, 4), (3, 4), (4, 3)])
    G.add_nodes_from([n, n + 1])
    return G


def frame(spark, G, name=lambda v: v) -> GraphFrame:
    """G as a GraphFrame: vertices (id, label), edges (src, dst, eid)."""
    vertices = [(name(v), f"label{v}") for v in G.nodes]
    edges = [(name(s), name(d), i) for i, (s, d) in enumerate(G.edges())]
    return GraphFrame(spark.createDataFrame(vertices, ["id", "label"]),
                      spark.createDataFrame(edges, "src {0}, dst {0}, eid long".format(
                          "string" if isinstance(vertices[0][0], str) else "long")))


def directed(G) -> nx.MultiDiGraph:
    """An undirected networkx graph as edges both ways."""
    return nx.MultiDiGraph(nx.DiGraph(G))


def column(df, name: str) -> dict:
    return {row["id"]: row[name] for row in df.collect()}


def partition(labels: dict) -> set:
    groups = collections.defaultdict(set)
    for vertex, label in labels.items():
        groups[label].add(vertex)
    return {frozenset(g) for g in groups.values()}


# ------------------------------------------------------------ construction and views


def test_missing_columns_are_named(spark):
    v = spark.createDataFrame([(1, "a")], ["vid", "name"])
    e = spark.createDataFrame([(1, 1)], ["src", "to"])
    with pytest.raises(ValueError, match="'id' missing from the vertex DataFrame, which has columns: vid, name"):
        GraphFrame(v, e)
    with pytest.raises(ValueError, match="'dst' missing from the edge DataFrame"):
        GraphFrame(v.withColumnRenamed("vid", "id"), e)


def test_degrees_match_networkx_and_omit_zero_degree_vertices(spark):
    G = multigraph()
    g = frame(spark, G)
    assert column(g.degrees, "degree") == {v: d for v, d in G.degree() if d}
    assert column(g.inDegrees, "inDegree") == {v: d for v, d in G.in_degree() if d}
    assert column(g.outDegrees, "outDegree") == {v: d for v, d in G.out_degree() if d}
    assert column(g.degrees, "degree")[1] == G.degree(1) and G.has_edge(1, 1)


def test_karate_degrees(spark):
    g = frame(spark, directed(nx.karate_club_graph()))
    degrees = column(g.outDegrees, "outDegree")
    assert degrees[0] == 16 and degrees[33] == 17


def test_triplets(spark):
    G = multigraph()
    t = frame(spark, G).triplets
    assert t.columns == ["src", "edge", "dst"]
    assert t.schema["src"].dataType.fieldNames() == ["id", "label"]
    got = collections.Counter((r.src.id, r.edge.eid, r.dst.label) for r in t.collect())
    assert got == collections.Counter((s, i, f"label{d}") for i, (s, d) in enumerate(G.edges()))


def test_filter_vertices_drops_touching_edges(spark):
    G = multigraph()
    g = frame(spark, G).filterVertices("id % 3 != 0")
    assert sorted(r.id for r in g.vertices.collect()) == [v for v in sorted(G) if v % 3]
    assert sorted(r.eid for r in g.edges.collect()) == [i for i, (s, d) in enumerate(G.edges()) if s % 3 and d % 3]


def test_filter_edges_and_drop_isolated_vertices(spark):
    G = multigraph()
    g = frame(spark, G).filterEdges(F.col("src") < F.col("dst"))
    assert sorted(r.eid for r in g.edges.collect()) == [i for i, (s, d) in enumerate(G.edges()) if s < d]
    assert g.vertices.count() == G.number_of_nodes()
    kept = {v for s, d in G.edges() if s < d for v in (s, d)}
    assert sorted(r.id for r in g.dropIsolatedVertices().vertices.collect()) == sorted(kept)


# ------------------------------------------------------------ bfs


def paths_of(df) -> collections.Counter:
    hops = (len(df.columns) - 1) // 2
    names = ["from"] + [f"v{k}" for k in range(1, hops)] + ["to"]
    assert df.columns == [c for k, n in enumerate(names) for c in ([n] if k == 0 else [f"e{k - 1}", n])]
    return collections.Counter(tuple(r[n].id for n in names) for r in df.collect())


def test_bfs_returns_all_shortest_paths(spark):
    G = nx.DiGraph(nx.gnp_random_graph(25, 0.12, seed=11, directed=True))
    g = frame(spark, G)
    lengths = dict(nx.all_pairs_shortest_path_length(G))
    farthest = {k: (s, t) for s in sorted(G) for t, k in sorted(lengths[s].items()) if k >= 3}
    pairs = [farthest[k] for k in sorted(farthest)]
    assert len(pairs) >= 3
    for s, t in pairs:
        expected = collections.Counter(tuple(p) for p in nx.all_shortest_paths(G, s, t))
        assert paths_of(g.bfs(f"id = {s}", F.col("id") == t)) == expected


def test_bfs_shortest_over_all_sources_and_targets_with_parallel_edges(spark):
    G = nx.MultiDiGraph([(0, 1), (1, 2), (2, 3), (5, 6), (6, 3), (5, 6), (0, 3)])
    g = frame(spark, G)
    assert paths_of(g.bfs("id in (1, 5)", "id = 3")) == {(1, 2, 3): 1, (5, 6, 3): 2}
    edge_ids = {(r.e0.eid, r.e1.eid) for r in g.bfs("id in (1, 5)", "id = 3").collect()}
    assert len(edge_ids) == 3


def test_bfs_edge_filter_zero_hops_and_no_path(spark):
    G = nx.MultiDiGraph([(0, 1), (1, 2), (2, 3), (0, 3)])
    g = frame(spark, G)
    assert paths_of(g.bfs("id = 0", "id = 3")) == {(0, 3): 1}
    assert paths_of(g.bfs("id = 0", "id = 3", edgeFilter="NOT (src = 0 AND dst = 3)")) == {(0, 1, 2, 3): 1}
    zero = g.bfs("id < 2", "id >= 1")
    assert zero.columns == ["from", "to"] and [(r["from"].id, r.to.id) for r in zero.collect()] == [(1, 1)]
    for empty in (g.bfs("id = 3", "id = 0"), g.bfs("id = 0", "id = 3", edgeFilter="dst != 3 OR src = 2", maxPathLength=2),
                  g.bfs("id = 9", "id = 3")):
        assert empty.collect() == [] and empty.columns == ["id", "label"]
    with pytest.raises(ValueError, match="maxPathLength"):
        g.bfs("id = 0", "id = 3", maxPathLength=-1)


# ------------------------------------------------------------ aggregateMessages


def test_aggregate_messages_sum_of_neighbour_values(spark):
    G = multigraph()
    g = frame(spark, G)
    v = g.vertices.withColumn("age", F.col("id") * 10 + 1)
    g = GraphFrame(v, g.edges)
    got = column(g.aggregateMessages(F.sum(AM.msg).alias("summed"), sendToSrc=AM.dst["age"],
                                     sendToDst=AM.src["age"]), "summed")
    expected = collections.Counter()
    for s, d in G.edges():
        expected[s] += d * 10 + 1
        expected[d] += s * 10 + 1
    assert got == dict(expected)


def test_aggregate_messages_sql_text_struct_messages_and_one_side(spark):
    G = multigraph()
    g = frame(spark, G)
    agg = g.aggregateMessages(["count(MSG) AS n", F.max(AM.msg["eid"]).alias("last")],
                              sendToDst=[AM.edge["eid"].alias("eid"), "src.id"])
    assert agg.columns == ["id", "n", "last"]
    expected = collections.defaultdict(list)
    for i, (s, d) in enumerate(G.edges()):
        expected[d].append(i)
    assert {r.id: (r.n, r.last) for r in agg.collect()} == {d: (len(ids), max(ids)) for d, ids in expected.items()}
    with pytest.raises(ValueError, match="sendToSrc, sendToDst"):
        g.aggregateMessages(F.sum(AM.msg))
    with pytest.raises(TypeError, match="aggregation"):
        g.aggregateMessages([], sendToSrc=AM.dst["id"])


# ------------------------------------------------------------ bad input


def test_validate_names_missing_endpoints_and_duplicates(spark):
    v = spark.createDataFrame([(1,), (2,)], ["id"])
    e = spark.createDataFrame([(1, 2), (2, 7), (9, 1)], ["src", "dst"])
    with pytest.raises(ValueError, match="missing from the vertices DataFrame: 7, 9"):
        GraphFrame(v, e).validate()
    GraphFrame(v, e.filter("dst < 3 and src < 3")).validate()
    with pytest.raises(ValueError, match=r"duplicate vertex ids: 2 \(2 times\)"):
        GraphFrame(v.union(spark.createDataFrame([(2,)], ["id"])), e).validate()


def test_algorithms_refuse_missing_endpoints(spark):
    v = spark.createDataFrame([("a",), ("b",)], ["id"])
    e = spark.createDataFrame([("a", "b"), ("b", "zz")], ["src", "dst"])
    with pytest.raises(ValueError, match="'zz'"):
        GraphFrame(v, e).connectedComponents()
    with pytest.raises(ValueError, match="'zz'"):
        GraphFrame(v, e).pageRank(maxIter=2)


# ------------------------------------------------------------ algorithms


def test_page_rank_matches_networkx_times_n(spark):
    G = multigraph()
    n = G.number_of_nodes()
    assert any(d == 0 for _, d in G.out_degree())
    ranked = frame(spark, G).pageRank(resetProbability=0.15, tol=1e-9)
    expected = nx.pagerank(G, alpha=0.85, weight=None, tol=1e-14, max_iter=1000)
    got = column(ranked.vertices, "pagerank")
    assert max(abs(got[v] / n - expected[v]) for v in G) < 1e-9
    out = dict(G.out_degree())
    assert {(r.src, r.eid): r.weight for r in ranked.edges.collect()} == \
        {(s, i): 1.0 / out[s] for i, (s, d) in enumerate(G.edges())}
    with pytest.raises(ValueError, match="exactly one of maxIter and tol"):
        frame(spark, G).pageRank()


def test_personalized_page_rank_with_string_ids(spark):
    G = directed(nx.florentine_families_graph())
    ranked = frame(spark, G, name=str).pageRank(sourceId="Medici", tol=1e-9)
    expected = nx.pagerank(G, personalization={"Medici": 1}, weight=None, tol=1e-14, max_iter=1000)
    got = column(ranked.vertices, "pagerank")
    assert max(abs(got[v] - expected[v]) for v in G) < 1e-8


def test_parallel_personalized_page_rank_in_source_order(spark):
    G = directed(nx.karate_club_graph())
    sources = [33, 0, 5]
    iterations = 50
    ranked = frame(spark, G).parallelPersonalizedPageRank(sourceIds=sources, maxIter=iterations)
    got = column(ranked.vertices, "pageranks")
    for k, s in enumerate(sources):
        expected = nx.pagerank(G, personalization={s: 1}, weight=None, tol=1e-14, max_iter=1000)
        assert max(abs(got[v][k] - expected[v]) for v in G) < 0.85 ** iterations
    assert "weight" in ranked.edges.columns


def atlas_union() -> nx.MultiDiGraph:
    """Graph atlas cases 20..199 side by side, each both ways, as one graph of many components."""
    union, offset = nx.MultiDiGraph(), 0
    for G in nx.graph_atlas_g()[20:200]:
        union.add_nodes_from(v + offset for v in G)
        union.add_edges_from((s + offset, d + offset) for s, d in directed(G).edges())
        offset += G.number_of_nodes()
    return union


def test_connected_components_as_partitions(spark):
    for G, name in ((atlas_union(), lambda v: v), (multigraph(), lambda v: f"v{v:03d}")):
        labels = column(frame(spark, G, name).connectedComponents(), "component")
        assert partition(labels) == {frozenset(map(name, c)) for c in nx.weakly_connected_components(G)}


def test_strongly_connected_components_as_partitions(spark):
    G = multigraph()
    labels = column(frame(spark, G).stronglyConnectedComponents(maxIter=20), "component")
    assert partition(labels) == {frozenset(c) for c in nx.strongly_connected_components(G)}


def test_triangle_count(spark):
    for G in (directed(nx.karate_club_graph()), multigraph(), atlas_union()):
        simple = nx.Graph(G)
        simple.remove_edges_from(list(nx.selfloop_edges(simple)))
        counts = column(frame(spark, G).triangleCount(), "count")
        assert counts == nx.triangles(simple)
        if G.number_of_nodes() == 34:
            assert sum(counts.values()) == 3 * 45 and counts[0] == 18 and counts[33] == 15


def test_shortest_paths_to_landmarks(spark):
    G = multigraph()
    landmarks = [0, 4, 9]
    got = column(frame(spark, G).shortestPaths(landmarks), "distances")
    for v in G:
        expected = {l: nx.shortest_path_length(G, v, l) for l in landmarks if nx.has_path(G, v, l)}
        assert got[v] == expected
    named = column(frame(spark, G, name=lambda v: f"n{v}").shortestPaths(["n0"]), "distances")
    assert named["n0"] == {"n0": 0}


def test_label_propagation_gives_each_disjoint_clique_one_label(spark):
    G = nx.MultiDiGraph()
    for k, size in enumerate((4, 5, 6)):
        G.add_edges_from(directed(nx.relabel_nodes(nx.complete_graph(size), lambda v: 10 * k + v)).edges())
    result = frame(spark, G).labelPropagation(maxIter=5)
    assert result.columns == ["id", "label"]
    labels = column(result, "label")
    assert partition(labels) == {frozenset(c) for c in nx.weakly_connected_components(G)}


def test_dataframe_pregel_runs_pagerank_and_min_label_rounds(spark):
    from sparklite.graph.lib import Pregel
    G = multigraph(seed=4, n=12)
    edges = [(u, v) for u, v, *_ in G.edges()]
    n = G.number_of_nodes()
    out_degree = collections.Counter(u for u, _ in edges)
    v = spark.createDataFrame([(x, out_degree.get(x, 0)) for x in G.nodes()], ["id", "outDegree"])
    e = spark.createDataFrame(edges, ["src", "dst"])
    ranks = (GraphFrame(v, e).pregel.setMaxIter(5)
             .withVertexColumn("rank", F.lit(1.0 / n),
                               F.coalesce(Pregel.msg(), F.lit(0.0)) * F.lit(0.85) + F.lit(0.15 / n))
             .sendMsgToDst(F.try_divide(Pregel.src("rank"), Pregel.src("outDegree")))
             .aggMsgs(F.sum(Pregel.msg())).run())
    expected = {x: 1.0 / n for x in G.nodes()}
    for _ in range(5):
        received = collections.defaultdict(float)
        for a, b in edges:
            received[b] += expected[a] / out_degree[a]
        expected = {x: received.get(x, 0.0) * 0.85 + 0.15 / n for x in G.nodes()}
    got = {r["id"]: r["rank"] for r in ranks.collect()}
    assert set(got) == set(expected) and max(abs(got[x] - expected[x]) for x in got) < 1e-12
    labels = (GraphFrame(v, e).pregel.setMaxIter(n).setCheckpointInterval(3)
              .withVertexColumn("label", F.col("id"), F.least(F.col("label"), F.coalesce(Pregel.msg(), F.col("label"))))
              .sendMsgToDst(Pregel.src("label")).sendMsgToSrc(Pregel.dst("label"))
              .aggMsgs(F.min(Pregel.msg())).run())
    got = {r["id"]: r["label"] for r in labels.collect()}
    assert got == {x: min(c) for c in nx.weakly_connected_components(G) for x in c}
    with pytest.raises(ValueError, match="aggMsgs"):
        GraphFrame(v, e).pregel.sendMsgToDst(Pregel.src("id")).run()


def test_as_undirected_adds_every_edge_backwards_with_its_attributes(spark):
    v = spark.createDataFrame([(1,), (2,), (3,)], ["id"])
    e = spark.createDataFrame([(1, 2, "x"), (2, 3, "y"), (3, 3, "z")], ["src", "dst", "label"])
    undirected = GraphFrame(v, e).as_undirected()
    assert sorted(tuple(r) for r in undirected.edges.collect()) == sorted(
        [(1, 2, "x"), (2, 1, "x"), (2, 3, "y"), (3, 2, "y"), (3, 3, "z"), (3, 3, "z")])
    assert sorted(tuple(r) for r in undirected.inDegrees.collect()) == [(1, 1), (2, 2), (3, 3)]
