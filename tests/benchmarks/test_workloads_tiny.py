"""`tiny` runs of the benchmark workloads: sparklite and the MapReduce baseline give equal answers."""
from __future__ import annotations

import pytest

from benchmarks.data import zipf_text_at
from benchmarks.mapreduce import MapReduceJob, read_output, run_job
from benchmarks.workloads import text


@pytest.fixture
def tiny_text(tmp_path):
    return zipf_text_at(str(tmp_path / "tiny.txt"), 200_000, vocabulary=500, seed=1)


def test_wordcount_answers_are_equal(sc, tiny_text, tmp_path):
    spark = text.wordcount_sparklite(sc, tiny_text)
    mapreduce = text.wordcount_mapreduce(sc, tiny_text, str(tmp_path))
    assert spark == mapreduce
    assert sum(spark.values()) == sum(len(line.split()) for line in open(tiny_text))


def test_grep_answers_are_equal(sc, tiny_text, tmp_path):
    spark = text.grep_sparklite(sc, tiny_text, r"\bab")
    assert spark, "the pattern matches some lines"
    assert spark == text.grep_mapreduce(sc, tiny_text, r"\bab", str(tmp_path))


def test_mapreduce_spills_and_merges_when_the_sort_buffer_is_small(sc, tiny_text, tmp_path):
    def words(line):
        return ((w, 1) for w in line.split())

    def total(key, values):
        yield key, sum(values)

    small = MapReduceJob(words, total, combiner=total, num_reducers=3, sort_buffer_records=1000)
    out = run_job(sc, small, tiny_text, str(tmp_path / "out"))
    counts = {w: int(n) for w, n in read_output(out, lambda line: line.split("\t"))}
    assert counts == text.wordcount_sparklite(sc, tiny_text)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_SUCCESS", "part-r-00000",
                                                                    "part-r-00001", "part-r-00002"]


def test_mapreduce_refuses_an_existing_output_directory_and_leaves_no_work_directory(sc, tiny_text, tmp_path,
                                                                                    monkeypatch):
    import tempfile
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (tmp_path / "exists").mkdir()
    with pytest.raises(FileExistsError, match="exists"):
        run_job(sc, MapReduceJob(lambda line: [], lambda k, vs: []), tiny_text, str(tmp_path / "exists"))
    assert list(scratch.iterdir()) == []


def test_logistic_regression_answers_are_equal(sc, tmp_path):
    import numpy as np
    from benchmarks.data import points_text_at
    from benchmarks.workloads import iterative
    path = points_text_at(str(tmp_path / "points.txt"), 2000)
    w_spark, spark_times = iterative.logistic_regression_sparklite(sc, path, 3)
    w_mr, mr_times = iterative.logistic_regression_mapreduce(sc, path, 3, str(tmp_path))
    assert np.allclose(w_spark, w_mr, rtol=1e-9, atol=1e-12)
    assert np.abs(w_spark).sum() > 0 and len(spark_times) == len(mr_times) == 3


def test_kmeans_answers_are_equal(sc, tmp_path):
    import numpy as np
    from benchmarks.data import points_text_at
    from benchmarks.workloads import iterative
    path = points_text_at(str(tmp_path / "points.txt"), 3000)
    centers_spark, _ = iterative.kmeans_sparklite(sc, path, 3)
    centers_mr, _ = iterative.kmeans_mapreduce(sc, path, 3, str(tmp_path))
    assert centers_spark.shape == (10, 10)
    assert np.allclose(centers_spark, centers_mr, atol=1e-6)


def test_sort_outputs_are_the_same_total_order(sc, tmp_path):
    from benchmarks.workloads import sort
    path = sort.records_text_at(str(tmp_path / "records.txt"), 3000)
    lines = open(path).read().splitlines()
    assert len(lines) == 3000 and all(len(line) == 99 for line in lines)
    expected = sort.digest(sorted(lines, key=lambda line: line[:10]))
    assert sort.output_digest(sort.sort_sparklite(sc, path, str(tmp_path))) == expected
    assert sort.output_digest(sort.sort_mapreduce(sc, path, str(tmp_path))) == expected


def test_pagerank_answers_are_equal_with_and_without_copartitioning(sc, tmp_path):
    from benchmarks.workloads import graph
    path = graph.zipf_graph_at(str(tmp_path / "graph.txt"), 300)
    co, _ = graph.pagerank_sparklite(sc, path, 3, copartition=True)
    plain, _ = graph.pagerank_sparklite(sc, path, 3, copartition=False)
    mapreduce, _ = graph.pagerank_mapreduce(sc, path, 3, str(tmp_path))
    assert co and co == plain == mapreduce


def test_aggregation_answers_are_equal(sc, tmp_path):
    from benchmarks.workloads import sql_shaped
    path = sql_shaped.uservisits_at(str(tmp_path / "visits.csv"), 3000)
    spark = sql_shaped.aggregation_sparklite(sc, path)
    assert spark and sum(spark.values()) == sum(int(line.split(",")[3]) for line in open(path))
    assert spark == sql_shaped.aggregation_mapreduce(sc, path, str(tmp_path))


def _join_oracle(rankings: str, visits: str) -> dict:
    from benchmarks.workloads import sql_shaped
    rank = {line.split(",")[0]: int(line.split(",")[1]) for line in open(rankings)}
    sums: dict = {}
    for line in open(visits):
        ip, url, day, cents = line.split(",")[:4]
        if sql_shaped.FIRST_DAY <= int(day) < sql_shaped.LAST_DAY and url in rank:
            total = sums.setdefault(ip, [0, 0, 0])
            total[0], total[1], total[2] = total[0] + int(cents), total[1] + rank[url], total[2] + 1
    return {ip: (cents, round(ranks / n, 4)) for ip, (cents, ranks, n) in sums.items()}


def test_join_answers_are_equal_and_right(sc, tmp_path):
    from benchmarks.workloads import sql_shaped
    visits = sql_shaped.uservisits_at(str(tmp_path / "visits.csv"), 20_000)
    rankings = sql_shaped.rankings_at(str(tmp_path / "rankings.csv"), 1_000)
    spark = sql_shaped.join_sparklite(sc, rankings, visits)
    assert len(spark) > 100 and spark == _join_oracle(rankings, visits)
    assert spark == sql_shaped.join_mapreduce(sc, rankings, visits, str(tmp_path))
    for peer in (sql_shaped.join_duckdb, sql_shaped.join_polars):
        answer = peer(rankings, visits)
        assert answer is None or answer == spark, peer.__name__


def test_sql_shaped_peers_agree_on_the_aggregation(sc, tmp_path):
    from benchmarks.workloads import sql_shaped
    path = sql_shaped.uservisits_at(str(tmp_path / "visits.csv"), 3000)
    spark = sql_shaped.aggregation_sparklite(sc, path)
    for peer in (sql_shaped.aggregation_duckdb, sql_shaped.aggregation_polars):
        answer = peer(path)
        assert answer is None or answer == spark, peer.__name__


def test_uniform_text_draws_from_the_whole_small_vocabulary(tmp_path):
    import collections
    from benchmarks.data import uniform_text_at
    path = uniform_text_at(str(tmp_path / "uniform.txt"), 300_000, vocabulary=1_000, seed=5)
    counts = collections.Counter(open(path).read().split())
    assert len(counts) == 1_000
    assert max(counts.values()) < 3 * min(counts.values())


@pytest.mark.slow
def test_every_installed_engine_agrees_on_every_tiny_workload(no_sc, tmp_path, monkeypatch):
    # The runner raises when an engine's answer differs; peers that are missing are skipped with a note.
    import importlib.util
    import json
    import benchmarks.__main__ as runner
    monkeypatch.setattr(runner, "DATA_DIR", str(tmp_path))
    monkeypatch.setattr(runner, "RESULTS_DIR", str(tmp_path / "results"))
    # mrjob's answers are checked by tests/benchmarks/test_mrjob_peer.py (its local runner is slow to start),
    # PySpark's by every benchmark run, which raises when an answer differs (its JVM here took 45 s of the suite)
    engines = [engine for engine in runner.ENGINES if engine not in ("mrjob", "pyspark", "pyspark-df")]
    assert runner.main(["--size", "tiny", "--master", "local[2]", "--engines", ",".join(engines)]) == 0
    record = json.loads(next((tmp_path / "results").glob("bench-tiny-*.json")).read_text())
    ran = {engine for times in record["results"].values() for engine in times}
    for engine, module in runner.PEER_MODULES.items():
        if engine not in engines:
            continue
        installed = importlib.util.find_spec(module) is not None
        assert (engine in ran) == installed, engine
        assert any(note.startswith(f"{engine} skipped") for note in record["notes"]) == (not installed)
    assert {"sparklite", "mapreduce"} <= ran
    assert set(record["results"]) >= {"join", "aggregation", "wordcount-uniform", "pagerank (later iterations)"}
    table = (tmp_path / "results" / "latest.md").read_text()        # the report names every workload's rows
    assert "| wordcount |" in table and "| grep |" in table and "mapreduce / sparklite" in table
    assert "| logreg (iteration 1) |" in table and "| logreg (later iterations) |" in table
    assert "| kmeans (later iterations) |" in table and "| sort |" in table
    assert "| aggregation |" in table and "| join |" in table and "| wordcount-uniform |" in table
    assert "| pagerank (later iterations) |" in table and "| pagerank-no-copartition (later iterations) |" in table

