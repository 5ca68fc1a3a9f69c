"""The graph benchmark at a tiny scale: the seeded graph, the comparisons that guard its figures,
and a run of sparklite, the RDD-join PageRank and networkx whose answers agree."""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import floors, graph_bench


def graphx_static_pagerank(src, dst, iterations):
    """GraphX's ``staticPageRank`` in numpy: from 1.0, dangling mass dropped, rescaled to sum n."""
    n = int(max(src.max(), dst.max())) + 1
    out_degree = np.bincount(src, minlength=n)
    ranks = np.ones(n)
    for _ in range(iterations):
        ranks = 0.15 + 0.85 * np.bincount(dst, weights=ranks[src] / out_degree[src], minlength=n)
    return dict(enumerate((ranks * n / ranks.sum()).tolist()))


def test_the_graph_is_seeded_exact_and_has_dangling_vertices_and_an_in_edge_everywhere():
    src, dst = graph_bench.power_law_graph(5000)
    again = graph_bench.power_law_graph(5000)
    assert np.array_equal(src, again[0]) and np.array_equal(dst, again[1])
    assert len(src) == len(dst) == 5000 and src.dtype == np.int64
    vertices = np.union1d(src, dst)
    assert np.array_equal(vertices, np.arange(500))
    assert np.bincount(dst, minlength=500).min() >= 1
    assert 0.1 < (np.bincount(src, minlength=500) == 0).mean() < 0.3
    assert np.bincount(dst).max() > 20 * np.median(np.bincount(dst))


def test_the_rdd_join_ranks_are_graphx_ranks_before_its_rescale(monkeypatch, tmp_path):
    monkeypatch.setattr(graph_bench, "DATA_DIR", str(tmp_path))
    src, dst, path = graph_bench.graph_at(3000)
    theirs = graph_bench.run_rdd_join(path, 2)["ranks"]
    ours = graphx_static_pagerank(src, dst, graph_bench.ITERATIONS)
    assert graph_bench.check_ranks(ours, theirs) < 1e-4
    ours[int(src[0])] *= 1.01
    with pytest.raises(AssertionError, match=f"vertex {src[0]}"):
        graph_bench.check_ranks(ours, theirs)


def test_components_compare_as_partitions_whatever_their_labels():
    ours = {1: 7, 2: 7, 3: 3, 4: 3, 9: 9}
    assert graph_bench.check_components(ours, {1: 1, 2: 1, 3: 3, 4: 3, 9: 9}, "networkx") == 3
    with pytest.raises(AssertionError, match="1 vertices are grouped differently"):
        graph_bench.check_components(ours, {1: 1, 2: 1, 3: 3, 4: 4, 9: 9}, "networkx")


def test_a_tiny_run_times_every_engine_checks_their_answers_and_reports_the_floors(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(graph_bench, "DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(floors, "RESULTS_DIR", str(tmp_path / "results"))
    assert graph_bench.main(["--edges", "2000", "--engines", "sparklite,rdd-join,networkx", "--partitions", "2"]) in (0, 1)
    out = capsys.readouterr().out
    assert "| figure | sparklite local[2] | RDD-join local[2] | networkx |" in out
    assert "equal to the RDD-join's" in out and "the same partition as networkx's" in out
    record = json.loads((tmp_path / "results" / "graph_bench.json").read_text())
    ours = record["results"]["sparklite"]
    assert ours["vertices"] == record["vertices"] == 200 and ours["edges"] == 2000
    for key in ("build_s", "pagerank_s", "iteration_s", "components_s"):
        assert ours[key] > 0
    assert len(record["results"]["rdd-join"]["times"]) == 20 and record["results"]["networkx"]["iterations"] == 20
    assert [floor["figure"] for floor in record["floors"]] == [
        "PageRank per later iteration: RDD-join's / sparklite's", "PageRank total: sparklite's / networkx's",
        "connected components total: sparklite's / networkx's"]
