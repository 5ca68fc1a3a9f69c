"""The benchmark runner: ``python -m benchmarks [--size small] [--workloads ...] [--engines ...]``.

Every workload runs on every requested engine in one process, one after another on the same
executors. The answers are checked to be equal before any time is reported, and the ratios come
from times measured in this run. A JSON record, a markdown table and, when matplotlib is installed,
a PNG chart of the ratios are written to ``benchmarks/results/``. Peers (PySpark, mrjob, DuckDB,
Polars) run when installed and are skipped with a note otherwise.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import tempfile
import time

import statistics

from benchmarks.chart import write_chart
from benchmarks.data import DATA_DIR, points_text_at, uniform_text_at, zipf_text_at
from benchmarks.workloads import graph, iterative, mrjob_peer, sort, sql_shaped, text
from sparklite import SparkContext

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
TEXT_BYTES = {"tiny": 200_000, "small": 100_000_000, "large": 1_000_000_000}
POINTS = {"tiny": 2_000, "small": 1_000_000, "large": 10_000_000}
SORT_RECORDS = {"tiny": 2_000, "small": 1_000_000, "large": 10_000_000}
GRAPH_NODES = {"tiny": 300, "small": 200_000, "large": 2_000_000}
VISITS = {"tiny": 2_000, "small": 2_000_000, "large": 20_000_000}
RANKED_URLS = {"tiny": 1_000, "small": 100_000, "large": 1_000_000}
ITERATIONS = 5
SETTLE_SECONDS = {"tiny": 0.0, "small": 1.0, "large": 2.0}   # quiet time before each engine's run


def _text(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"text_{size}.txt")
    return path if os.path.exists(path) else zipf_text_at(path, TEXT_BYTES[size], vocabulary=100_000, seed=11)


def _uniform_text(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"uniform_text_{size}.txt")
    return path if os.path.exists(path) else uniform_text_at(path, TEXT_BYTES[size], vocabulary=1_000, seed=13)


def _count_words(text_of_size):
    def run_wordcount(engine: str, sc, size: str, work: str):
        path = text_of_size(size)
        if engine == "mapreduce":
            return text.wordcount_mapreduce(sc, path, work)
        if engine == "mrjob":
            return mrjob_peer.wordcount_mrjob(path, work)
        return text.wordcount_sparklite(sc, path)
    return run_wordcount


def _grep(engine: str, sc, size: str, work: str):
    path = _text(size)
    if engine == "mapreduce":
        return text.grep_mapreduce(sc, path, r"\bqu", work)
    if engine == "mrjob":
        return mrjob_peer.grep_mrjob(path, r"\bqu", work)
    return text.grep_sparklite(sc, path, r"\bqu")


def _points(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return points_text_at(os.path.join(DATA_DIR, f"points_{size}.txt"), POINTS[size])


def _logreg(engine: str, sc, size: str, work: str):
    """Iterative: returns (answer, {"iteration 1": s, "later iterations": median s})."""
    if engine != "mapreduce":
        w, times = iterative.logistic_regression_sparklite(sc, _points(size), ITERATIONS)
    else:
        w, times = iterative.logistic_regression_mapreduce(sc, _points(size), ITERATIONS, work)
    return [round(float(v), 6) for v in w], {"iteration 1": times[0], "later iterations": statistics.median(times[1:])}


def _kmeans(engine: str, sc, size: str, work: str):
    if engine != "mapreduce":
        centers, times = iterative.kmeans_sparklite(sc, _points(size), ITERATIONS)
    else:
        centers, times = iterative.kmeans_mapreduce(sc, _points(size), ITERATIONS, work)
    return centers.tolist(), {"iteration 1": times[0], "later iterations": statistics.median(times[1:])}


def _records(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return sort.records_text_at(os.path.join(DATA_DIR, f"records_{size}.txt"), SORT_RECORDS[size])


def _sort(engine: str, sc, size: str, work: str):
    run = sort.sort_mapreduce if engine == "mapreduce" else sort.sort_sparklite
    return run(sc, _records(size), work)


def _graph(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return graph.zipf_graph_at(os.path.join(DATA_DIR, f"graph_{size}.txt"), GRAPH_NODES[size])


def _pagerank(copartition: bool):
    def run_pagerank(engine: str, sc, size: str, work: str):
        if engine != "mapreduce":
            ranks, times = graph.pagerank_sparklite(sc, _graph(size), ITERATIONS, copartition=copartition)
        else:
            ranks, times = graph.pagerank_mapreduce(sc, _graph(size), ITERATIONS, work)
        return ranks, {"iteration 1": times[0], "later iterations": statistics.median(times[1:])}
    return run_pagerank


def _visits(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return sql_shaped.uservisits_at(os.path.join(DATA_DIR, f"uservisits_{size}.csv"), VISITS[size])


def _rankings(size: str) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    return sql_shaped.rankings_at(os.path.join(DATA_DIR, f"rankings_{size}.csv"), RANKED_URLS[size])


def _aggregation(engine: str, sc, size: str, work: str):
    path = _visits(size)
    if engine == "mapreduce":
        return sql_shaped.aggregation_mapreduce(sc, path, work)
    peers = {"duckdb": sql_shaped.aggregation_duckdb, "polars": sql_shaped.aggregation_polars,
             "mrjob": lambda p: mrjob_peer.aggregation_mrjob(p, work),
             "pyspark-df": lambda p: sql_shaped.aggregation_pyspark_df(sc, p)}
    return peers[engine](path) if engine in peers else sql_shaped.aggregation_sparklite(sc, path)


def _join(engine: str, sc, size: str, work: str):
    rankings, visits = _rankings(size), _visits(size)
    if engine == "mapreduce":
        return sql_shaped.join_mapreduce(sc, rankings, visits, work)
    peers = {"duckdb": sql_shaped.join_duckdb, "polars": sql_shaped.join_polars,
             "pyspark-df": lambda r, v: sql_shaped.join_pyspark_df(sc, r, v)}
    return peers[engine](rankings, visits) if engine in peers else sql_shaped.join_sparklite(sc, rankings, visits)


WORKLOADS = {"wordcount": _count_words(_text), "wordcount-uniform": _count_words(_uniform_text), "grep": _grep,
             "sort": _sort, "aggregation": _aggregation, "join": _join, "logreg": _logreg, "kmeans": _kmeans,
             "pagerank": _pagerank(True), "pagerank-no-copartition": _pagerank(False)}
PREPARE = {"wordcount": [_text], "wordcount-uniform": [_uniform_text], "grep": [_text], "sort": [_records],
           "aggregation": [_visits], "join": [_visits, _rankings], "logreg": [_points], "kmeans": [_points],
           "pagerank": [_graph], "pagerank-no-copartition": [_graph]}
ENGINES = ["sparklite", "mapreduce", "pyspark", "pyspark-df", "mrjob", "duckdb", "polars"]
# Workloads whose answer is an output directory, read back after the clock stops.
CHECKED_AS = {"sort": sort.output_digest}
# Peers that run only some workloads; elsewhere they are left out of the row.
ONLY = {"pyspark-df": {"aggregation", "join"}, "duckdb": {"aggregation", "join"}, "polars": {"aggregation", "join"},
        "mrjob": {"wordcount", "wordcount-uniform", "grep", "aggregation"}}
# Peers imported only to see whether they are installed; a missing one is skipped with a note.
PEER_MODULES = {"duckdb": "duckdb", "polars": "polars", "mrjob": "mrjob"}


def pyspark_context(master: str):
    """A real PySpark context for the peer runs (the same RDD programs), or None when PySpark or
    Java is missing; then the peer is skipped with a note, never faked."""
    import shutil
    try:
        import pyspark
    except ImportError:
        return None
    if shutil.which("java") is None:
        return None
    os.environ.setdefault("PYTHONHASHSEED", "0")
    conf = pyspark.SparkConf().setMaster(master).setAppName("sparklite-bench-peer") \
        .set("spark.ui.enabled", "false").set("spark.driver.memory", "4g") \
        .set("spark.ui.showConsoleProgress", "false")
    return pyspark.SparkContext(conf=conf)


def _read_once(path: str) -> None:
    """Read an input file once, so the engine that runs first does not pay for a cold page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def _settle(size: str) -> None:
    """Collect the last engine's garbage and let its background work (a JVM's collector and JIT,
    a thread pool winding down) finish, so it is not charged to the next engine."""
    gc.collect()
    time.sleep(SETTLE_SECONDS[size])


def _as_is(answer):
    return answer


def run(size: str, workloads: list[str], engines: list[str], master: str) -> dict:
    record = {"size": size, "master": master, "python": platform.python_version(), "cpus": os.cpu_count(),
              "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "results": {}}
    for workload in workloads:
        for prepare in PREPARE[workload]:
            _read_once(prepare(size))   # generated, and in the page cache, before any clock starts
    peer, session = None, None
    record["notes"] = []
    if {"pyspark", "pyspark-df"} & set(engines):
        peer = pyspark_context(master)
        if peer is None:
            engines = [e for e in engines if e not in ("pyspark", "pyspark-df")]
            record["notes"].append("pyspark skipped: PySpark or Java is not installed here")
        else:
            from pyspark.sql import SparkSession
            session = SparkSession(peer)
    for engine, module in PEER_MODULES.items():
        if engine in engines and importlib.util.find_spec(module) is None:
            engines = [e for e in engines if e != engine]
            record["notes"].append(f"{engine} skipped: it is not installed here")
    try:
        with SparkContext(master, "sparklite-bench") as sc:
            contexts = {"sparklite": sc, "mapreduce": sc, "pyspark": peer, "pyspark-df": session}
            for workload in workloads:
                run_workload(record, workload, engines, size, contexts)
    finally:
        if peer is not None:
            peer.stop()
    return record


def run_workload(record: dict, workload: str, engines: list, size: str, contexts: dict) -> None:
    """Run one workload on every engine, check the answers agree, and record the times."""
    answers, times = {}, {}
    engines = [e for e in engines if workload in ONLY.get(e, {workload})]
    for engine in engines:
        with tempfile.TemporaryDirectory() as work:
            _settle(size)
            start = time.perf_counter()
            answer = WORKLOADS[workload](engine, contexts.get(engine), size, work)
            times[engine] = time.perf_counter() - start
            answers[engine] = CHECKED_AS.get(workload, _as_is)(answer)   # reading the output is not timed
        if isinstance(answers[engine], tuple):       # an iterative workload reports its phases
            answers[engine], times[engine] = answers[engine]
    reference = answers[engines[0]]
    for engine, answer in answers.items():
        if answer != reference:
            raise AssertionError(f"{workload}: {engine}'s answer differs from {engines[0]}'s")
    if all(isinstance(t, dict) for t in times.values()):
        for phase in times[engines[0]]:
            record["results"][f"{workload} ({phase})"] = {e: times[e][phase] for e in engines}
    else:
        record["results"][workload] = times


def markdown(record: dict) -> str:
    engines = sorted({e for times in record["results"].values() for e in times}, key=ENGINES.index)
    lines = [f"size `{record['size']}`, master `{record['master']}`, {record['cpus']} CPUs, "
             f"Python {record['python']}, {record['time']}", "",
             "| workload | " + " | ".join(f"{e} (s)" for e in engines) + " | " +
             " | ".join(f"{e} / sparklite" for e in engines if e != "sparklite") + " |",
             "|---" * (1 + len(engines) + len(engines) - 1) + "|"]
    for workload, times in record["results"].items():
        base = times.get("sparklite")
        ratios = [f"{times[e] / base:.1f}x" if base and e in times else "-" for e in engines if e != "sparklite"]
        cells = [f"{times[e]:.2f}" if e in times else "-" for e in engines]
        lines.append(f"| {workload} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    lines += [f"\n{note}" for note in record.get("notes", [])]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(TEXT_BYTES), default="small")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    workloads = [w for w in args.workloads.split(",") if w]
    engines = [e for e in args.engines.split(",") if e]
    unknown = [w for w in workloads if w not in WORKLOADS] + [e for e in engines if e not in ENGINES]
    if unknown:
        parser.error(f"unknown workload or engine: {', '.join(unknown)}")
    record = run(args.size, workloads, engines, args.master)
    table = markdown(record)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = record["time"].replace(":", "")
    with open(os.path.join(RESULTS_DIR, f"bench-{args.size}-{stamp}.json"), "w") as f:
        json.dump(record, f, indent=1)
    with open(os.path.join(RESULTS_DIR, "latest.md"), "w") as f:
        f.write(table + "\n")
    if write_chart(record, os.path.join(RESULTS_DIR, f"bench-{args.size}-{stamp}.png")):
        table += f"\n\nchart: benchmarks/results/bench-{args.size}-{stamp}.png"
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
