"""GraphFrame.find (``sparklite/graph/motif.py``) against a brute-force enumeration over the edge list.

Every motif runs on one seeded multigraph with self-loops, parallel edges, a vertex without out-edges
and an isolated vertex; each expected multiset of rows is written out directly as Python loops over
the edges and vertices, independent of the parser and the join planner.
"""
from __future__ import annotations

import collections
import itertools
import random

import pytest

from sparklite.graph import motif
from sparklite.graph.graphframe import GraphFrame
from sparklite.graph.motif import InvalidParseException

N = 7


def edge_list() -> list:
    """(eid, src, dst): seeded random edges on vertices 0..5 plus a self-loop and a parallel edge; 6 is isolated."""
    rng = random.Random(7)
    pairs = [(rng.randrange(6), rng.randrange(6)) for _ in range(11)] + [(2, 2), (0, 1), (0, 1)]
    return [(i, s, d) for i, (s, d) in enumerate(pairs)]


EDGES = edge_list()
VERTICES = list(range(N))


@pytest.fixture(scope="module")
def g(spark):
    v = spark.createDataFrame([(i, f"v{i}") for i in VERTICES], ["id", "name"])
    e = spark.createDataFrame(EDGES, ["eid", "src", "dst"])
    return GraphFrame(v, e)


def rows(df, *columns) -> collections.Counter:
    """The rows as tuples: a vertex column gives its id, an edge column its eid, others their value."""
    def value(row, c):
        x = row[c]
        if not hasattr(x, "__fields__"):
            return x
        return x["eid"] if "eid" in x.__fields__ else x["id"]
    return collections.Counter(tuple(value(r, c) for c in columns) for r in df.collect())


def has_edge(s, d) -> bool:
    return any(es == s and ed == d for _, es, ed in EDGES)


def test_two_edge_chain_and_column_order(g):
    df = g.find("(a)-[e]->(b); (b)-[e2]->(c)")
    assert df.columns == ["a", "e", "b", "e2", "c"]
    assert df.schema["a"].dataType.fieldNames() == ["id", "name"]
    assert df.schema["e"].dataType.fieldNames() == ["eid", "src", "dst"]
    expected = collections.Counter((s1, i1, d1, i2, d2) for i1, s1, d1 in EDGES for i2, s2, d2 in EDGES if d1 == s2)
    assert rows(df, "a", "e", "b", "e2", "c") == expected


def test_terms_join_on_a_bound_vertex_before_cross_joining(g):
    terms = motif.parse("(a)-[]->(b); (c)-[]->(d); (b)-[]->(c)").terms
    assert motif.join_order(terms) == [terms[0], terms[2], terms[1]]
    df = g.find("(a)-[]->(b); (c)-[]->(d); (b)-[]->(c)")
    assert df.columns == ["a", "b", "c", "d"]
    assert rows(df, "a", "b", "c", "d") == collections.Counter(
        (s1, d1, d2, d3) for _, s1, d1 in EDGES for _, s2, d2 in EDGES for _, s3, d3 in EDGES
        if d1 == s2 and d2 == s3)


def test_mutual_edges_terms_written_in_any_order(g):
    expected = collections.Counter((s1, i1, d1, i2) for i1, s1, d1 in EDGES for i2, s2, d2 in EDGES
                                   if s2 == d1 and d2 == s1)
    assert rows(g.find("(a)-[e]->(b); (b)-[e2]->(a)"), "a", "e", "b", "e2") == expected
    reordered = g.find("(b)-[e2]->(a); (a)-[e]->(b)")
    assert reordered.columns == ["b", "e2", "a", "e"]
    assert rows(reordered, "a", "e", "b", "e2") == expected


def test_triangle_with_anonymous_edges(g):
    df = g.find("(a)-[]->(b); (b)-[]->(c); (c)-[]->(a)")
    assert df.columns == ["a", "b", "c"]
    expected = collections.Counter((s1, d1, d2) for _, s1, d1 in EDGES for _, s2, d2 in EDGES for _, s3, d3 in EDGES
                                   if d1 == s2 and d2 == s3 and d3 == s1)
    assert rows(df, "a", "b", "c") == expected


def test_negation(g):
    expected = collections.Counter((s, d) for _, s, d in EDGES if not has_edge(d, s))
    assert rows(g.find("(a)-[]->(b); !(b)-[]->(a)"), "a", "b") == expected


def test_negation_binds_a_vertex_named_only_there_from_the_vertices(g):
    df = g.find("(a)-[e]->(b); !(a)-[]->(c)")
    assert df.columns == ["a", "e", "b", "c"]
    expected = collections.Counter((s, i, d, c) for i, s, d in EDGES for c in VERTICES if not has_edge(s, c))
    assert rows(df, "a", "e", "b", "c") == expected


def test_vertices_without_out_edges(g):
    sinks = collections.Counter((v,) for v in VERTICES if not any(s == v for _, s, _ in EDGES))
    assert rows(g.find("!(a)-[]->()"), "a") == sinks


def test_anonymous_endpoint_and_self_loop(g):
    assert rows(g.find("(a)-[e]->()"), "a", "e") == collections.Counter((s, i) for i, s, _ in EDGES)
    df = g.find("(a)-[e]->(a)")
    assert df.columns == ["a", "e"]
    assert rows(df, "a", "e") == collections.Counter((s, i) for i, s, d in EDGES if s == d)


def test_reversed_and_two_way_edges(g):
    df = g.find("(a)<-[e]-(b)")
    assert df.columns == ["b", "e", "a"]
    assert rows(df, "a", "e", "b") == collections.Counter((d, i, s) for i, s, d in EDGES)
    both = g.find("(a)<-[e]->(b)")
    assert both.columns == ["a", "e1", "b", "e2"]
    assert rows(both, "a", "e1", "b", "e2") == collections.Counter(
        (s1, i1, d1, i2) for i1, s1, d1 in EDGES for i2, s2, d2 in EDGES if s2 == d1 and d2 == s1)


def test_undirected_edge_matches_both_ways(g):
    df = g.find("(a)-[e]-(b)")
    assert df.columns == ["a", "e", "b", "_pattern", "_direction"]
    expected = collections.Counter()
    for i, s, d in EDGES:
        expected[(s, i, d, "(a)-[e]->(b)", "out")] += 1
        expected[(d, i, s, "(a)<-[e]-(b)", "in")] += 1
    assert rows(df, "a", "e", "b", "_pattern", "_direction") == expected


def test_undirected_edge_joined_with_a_directed_one(g):
    df = g.find("(a)-[e]-(b); (b)-[f]->(c)")
    assert df.columns == ["a", "e", "b", "_pattern", "_direction", "f", "c"]
    ends = [(s, i, d) for i, s, d in EDGES] + [(d, i, s) for i, s, d in EDGES]
    expected = collections.Counter((a, i, b, j, c) for a, i, b in ends for j, s, c in EDGES if s == b)
    assert rows(df, "a", "e", "b", "f", "c") == expected


def paths(length: int) -> list:
    """Every walk of ``length`` edges as (src, eids, dst)."""
    found = []
    for walk in itertools.product(EDGES, repeat=length):
        if all(walk[k][2] == walk[k + 1][1] for k in range(length - 1)):
            found.append((walk[0][1], tuple(e[0] for e in walk), walk[-1][2]))
    return found


def test_fixed_length_is_a_chain_through_named_middles(g):
    df = g.find("(a)-[e*2]->(c)")
    assert df.columns == ["a", "_e1", "_ac1", "_e2", "c"]
    got = collections.Counter((r.a.id, (r._e1.eid, r._e2.eid), r._ac1.id, r.c.id) for r in df.collect())
    assert got == collections.Counter((s, ids, dict((e[0], e) for e in EDGES)[ids[0]][2], d)
                                      for s, ids, d in paths(2))


def test_fixed_length_joins_with_other_terms(g):
    df = g.find("(a)-[*2]->(c); (c)-[]->(a)")
    assert df.columns == ["a", "_ac1", "c"]
    assert rows(df, "a", "c") == collections.Counter(
        (s, d) for s, _, d in paths(2) for _, s2, d2 in EDGES if s2 == d and d2 == s)


def test_variable_length_is_a_union_ordered_by_hop(g):
    df = g.find("(a)-[e*1..3]->(b)")
    assert df.columns == ["a", "_e1", "_ab1", "_e2", "_ab2", "_e3", "b", "_hop", "_pattern", "_direction"]
    got = collections.Counter()
    hops = []
    for r in df.collect():
        eids = tuple(r[f"_e{k}"].eid for k in range(1, r._hop + 1))
        assert all(r[f"_e{k}"] is None for k in range(r._hop + 1, 4))
        assert r._pattern == f"(a)-[e*{r._hop}]->(b)" and r._direction == "out"
        got[(r.a.id, eids, r.b.id)] += 1
        hops.append(r._hop)
    assert hops == sorted(hops)
    assert got == collections.Counter(p for k in (1, 2, 3) for p in paths(k))


def test_undirected_variable_length_adds_the_reverse_chains(g):
    df = g.find("(a)-[e*1..2]-(b)")
    got = collections.Counter((r.a.id, r.b.id, r._hop, r._direction) for r in df.collect())
    expected = collections.Counter()
    for k in (1, 2):
        for s, _, d in paths(k):
            expected[(s, d, k, "out")] += 1
            expected[(d, s, k, "in")] += 1
    assert got == expected
    assert {r._pattern for r in df.collect() if r._direction == "in"} == {"(a)<-[e*1]-(b)", "(a)<-[e*2]-(b)"}


def test_lone_named_vertices_cross_join(g):
    df = g.find("(a); (b)")
    assert df.columns == ["a", "b"]
    assert rows(df, "a", "b") == collections.Counter(itertools.product(VERTICES, VERTICES))


@pytest.mark.parametrize("pattern, message", [
    ("()-[]->()", "needs a named element"),
    ("!()-[]->()", "needs a named element"),
    ("()-[]-()", "needs a named element"),
    ("()", "lone anonymous vertex"),
    ("!(a)-[ab]->(b)", "negated edge cannot be named"),
    ("!(a)-[]-(b)", "undirected or two-way"),
    ("!(a)<-[]->(b)", "undirected or two-way"),
    ("!(a)-[*1..3]->(b)", "Negation of a variable-length"),
    ("!(a)", "Only an edge can be negated"),
    ("(a)-[*..3]->(b)", "Unbounded"),
    ("(a)-[*1..]->(b)", "Unbounded"),
    ("(a)-[*3..1]->(b)", "1 <= min <= max"),
    ("(a)-[e*0]->(b)", "greater than 0"),
    ("(a)-[*1..3]->(b);(b)-[]->(c)", "must be the whole motif"),
    ("(a)-[e]->(b); (b)-[e]->(c)", "two edges 'e'"),
    ("(a)-[b]->(c); (b)-[]->(c)", "both a vertex and an edge"),
])
def test_restrictions_raise_clear_errors(g, pattern, message):
    with pytest.raises(InvalidParseException, match=message.replace("(", r"\(").replace("*", r"\*")):
        g.find(pattern)


@pytest.mark.parametrize("pattern, position, expected", [
    ("(a)-[e]->b", 9, "expected '('"),
    ("(a)-[e]>(b)", 7, "expected '->' or '-'"),
    ("(a)-[e->(b)", 6, "expected ']'"),
    ("(a-[e]->(b)", 2, "expected ')'"),
    ("(a)-[e]->(b);", 13, "expected a term"),
    ("(a)-[e]->(b) (c)", 13, "expected ';'"),
    ("(a)-[e*]->(b)", 7, "hop count"),
])
def test_bad_syntax_names_the_position(g, pattern, position, expected):
    with pytest.raises(ValueError) as caught:
        g.find(pattern)
    text = str(caught.value)
    assert f"position {position}" in text and expected in text
    assert text.splitlines()[-1] == "  " + " " * position + "^"
