"""Graph benchmark: PageRank (20 iterations) and connected components on a seeded power-law graph,
by sparklite's GraphX API (``local[2]`` and Ray), the RDD-join PageRank of the benchmark suite
(``local[2]``) and networkx, measured in one run.

    python -m benchmarks.graph_bench [--edges 1000000] [--engines sparklite,ray,rdd-join,networkx]
                                     [--partitions 4]                   (also: sparklite bench graph)

The graph: ``--edges`` directed edges over ``edges / 10`` integer vertices, made once from a seed and
kept as numpy arrays and as a text edge list ``src dst`` (``benchmarks/results/data``); every engine
gets the same edges. 99% of the vertices form the power-law part: each draws one in-edge from a
parent, and the other edges go from sources drawn by Zipf out-weights (20% of the vertices have
none: they are dangling) to targets drawn by a Zipf popularity; the last 1% form small cycles, each
a component of its own. Multi-edges and self-loops occur.

The engines, one after another in this process, each on a context of its own:
* sparklite and Ray: ``Graph.fromEdgeTuples(sc.parallelize(numpy chunks).flatMap(pairs), 1)``,
  cached and counted (the build time); ``staticPageRank(20)`` with its ranks collected (the total;
  the time per later iteration is the mean of iterations 2 to 20, as the result's
  ``iteration_seconds`` gives each); ``connectedComponents()`` with its labels collected.
* rdd-join: ``benchmarks.workloads.graph.pagerank_sparklite`` over the text file, 20 iterations;
  the first also reads and groups the links, the later ones are its time per iteration (their mean).
* networkx: a ``MultiDiGraph`` built from the edges (GraphX counts parallel edges);
  ``nx.pagerank(alpha=0.85, weight=None, max_iter=20, tol=0)``, which makes exactly 20 power
  iterations and then raises ``PowerIterationFailedConvergence`` (caught); ``weakly_connected_components``.

Before any figure prints, the answers are checked (a mismatch raises): sparklite's ranks against
the RDD-join's, sparklite's components against networkx's as partitions, Ray's answers against
``local[2]``'s. Floors, each a ratio from the same run on ``local[2]``: PageRank per later iteration
at least 5x faster than the RDD-join's; PageRank's and connected components' totals at most 10x
networkx's (Ray's ratios print beside them). The record goes to ``benchmarks/results/graph_bench.json``;
the tables print in markdown.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

import numpy as np

from benchmarks.floors import met, save_record
from benchmarks.data import DATA_DIR

SEED, ITERATIONS, EDGES_PER_VERTEX = 17, 20, 10
DANGLING, CYCLE_SHARE = 0.2, 0.01
ENGINES = ["sparklite", "ray", "rdd-join", "networkx"]
GRAPHX = {"sparklite": "local[2]", "ray": "ray"}
RANK_TOLERANCE = 2e-4       # the RDD-join rounds its ranks to 4 decimals
RELATIVE_TOLERANCE = 1e-6


def power_law_graph(edges: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """``edges`` (src, dst) pairs as two int64 arrays; every vertex has an in-edge."""
    rng = np.random.default_rng(seed)
    vertices = max(edges // EDGES_PER_VERTEX, 10)
    cycled = max(vertices // int(1 / CYCLE_SHARE), 2)
    main = vertices - cycled
    weight = np.minimum(rng.zipf(2.0, size=main), 1000).astype(np.float64)
    weight[rng.random(main) < DANGLING] = 0.0
    weight /= weight.sum()
    popularity = rng.permutation(main).astype(np.float64) + 1.0
    popularity = popularity ** -0.8 / (popularity ** -0.8).sum()
    others = edges - main - cycled
    src = np.concatenate([rng.choice(main, main, p=weight), rng.choice(main, others, p=weight)])
    dst = np.concatenate([np.arange(main), rng.choice(main, others, p=popularity)])
    cycle_src, cycle_dst = _cycles(rng, main, vertices)
    ids = rng.permutation(vertices)
    order = rng.permutation(edges)
    return ids[np.concatenate([src, cycle_src])][order], ids[np.concatenate([dst, cycle_dst])][order]


def _cycles(rng, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ``first..end-1`` in consecutive cycles of 2 to 6 vertices."""
    src, dst, start = [], [], first
    while start < end:
        members = np.arange(start, min(start + int(rng.integers(2, 7)), end))
        src.append(members)
        dst.append(np.roll(members, -1))
        start += len(members)
    return np.concatenate(src), np.concatenate(dst)


def graph_at(edges: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, str]:
    """The seeded graph's arrays and its text edge list; both made once under ``DATA_DIR``."""
    os.makedirs(DATA_DIR, exist_ok=True)
    stem = os.path.join(DATA_DIR, f"graph_{edges}_{seed}")
    if not os.path.exists(stem + ".npz"):
        src, dst = power_law_graph(edges, seed)
        with open(stem + ".txt.part", "w") as f:
            f.write("\n".join(f"{s} {d}" for s, d in zip(src.tolist(), dst.tolist())) + "\n")
        os.replace(stem + ".txt.part", stem + ".txt")
        np.savez(stem + ".part.npz", src=src, dst=dst)
        os.replace(stem + ".part.npz", stem + ".npz")
    arrays = np.load(stem + ".npz")
    return arrays["src"], arrays["dst"], stem + ".txt"


def _context(master: str):
    from sparklite import SparkConf, SparkContext
    conf = SparkConf().set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
    return SparkContext(master, "graph-bench", conf=conf)


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_graphx(master: str, src: np.ndarray, dst: np.ndarray, partitions: int) -> dict:
    """Build, PageRank and connected components: their times and answers."""
    from sparklite.graph import Graph
    chunks = list(zip(np.array_split(src, partitions), np.array_split(dst, partitions)))
    with _context(master) as sc:
        def build():
            pairs = sc.parallelize(chunks, partitions).flatMap(lambda c: zip(c[0].tolist(), c[1].tolist()))
            graph = Graph.fromEdgeTuples(pairs, 1).cache()
            return graph, graph.numVertices, graph.numEdges
        build_s, (graph, vertices, edges) = _timed(build)
        def pagerank():
            result = graph.staticPageRank(ITERATIONS)
            return result.iteration_seconds, result.vertices.collect()
        pagerank_s, (times, ranks) = _timed(pagerank)
        components_s, components = _timed(lambda: graph.connectedComponents().vertices.collect())
    return {"vertices": vertices, "edges": edges, "build_s": build_s, "pagerank_s": pagerank_s, "times": times,
            "iteration_s": float(np.mean(times[1:])), "components_s": components_s,
            "ranks": dict(ranks), "components": dict(components)}


def run_rdd_join(path: str, partitions: int) -> dict:
    from benchmarks.workloads.graph import pagerank_sparklite
    with _context("local[2]") as sc:
        ranks, times = pagerank_sparklite(sc, path, ITERATIONS, partitions)
    return {"pagerank_s": sum(times), "times": times, "iteration_s": float(np.mean(times[1:])),
            "ranks": {int(v): rank for v, rank in ranks.items()}}


def run_networkx(src: np.ndarray, dst: np.ndarray) -> dict:
    import networkx as nx
    importlib.import_module("scipy.sparse")       # nx.pagerank's matrices: imported before its clock starts

    def build():
        graph = nx.MultiDiGraph()
        graph.add_edges_from(zip(src.tolist(), dst.tolist()))
        return graph

    def pagerank():
        try:
            nx.pagerank(graph, alpha=0.85, weight=None, max_iter=ITERATIONS, tol=0.0)
        except nx.PowerIterationFailedConvergence:
            return ITERATIONS
        raise AssertionError("nx.pagerank stopped before its 20 iterations with tol=0")

    build_s, graph = _timed(build)
    pagerank_s, iterations = _timed(pagerank)
    components_s, components = _timed(lambda: list(nx.weakly_connected_components(graph)))
    labels = {}
    for component in components:
        labels.update(dict.fromkeys(component, min(component)))
    return {"vertices": graph.number_of_nodes(), "edges": graph.number_of_edges(), "build_s": build_s,
            "pagerank_s": pagerank_s, "iterations": iterations, "components_s": components_s,
            "components": labels}


def check_ranks(graphx: dict, rdd_join: dict) -> float:
    """The largest difference between GraphX's ranks and the RDD-join's, scaled to the same sum.

    Both run ``rank = 0.15 + 0.85 * sum(in-neighbour rank / its out-degree)`` from 1.0, and both drop
    the mass of dangling vertices. The RDD-join keeps only the vertices that got a contribution, so a
    vertex without in-edges would fall out of its ranks (and stop contributing) after iteration 1;
    the graph gives every vertex an in-edge, so the two recurrences are the same on every vertex.
    GraphX then rescales its ranks to sum to the vertex count; scaling both to one sum undoes that."""
    if graphx.keys() != rdd_join.keys():
        raise AssertionError(f"the ranks cover {len(graphx)} vertices, the RDD-join's {len(rdd_join)}")
    ids = np.fromiter(rdd_join, dtype=np.int64, count=len(rdd_join))
    theirs = np.array([rdd_join[v] for v in ids.tolist()])
    ours = np.array([graphx[v] for v in ids.tolist()])
    ours *= theirs.sum() / ours.sum()
    # the RDD-join's rounding (5e-5 on each of n ranks) moves the sum and so the scale: relative slack too
    allowed = RANK_TOLERANCE + RELATIVE_TOLERANCE * np.abs(theirs)
    worst = int(np.argmax(np.abs(ours - theirs) / allowed))
    difference = float(abs(ours[worst] - theirs[worst]))
    if difference > allowed[worst]:
        raise AssertionError(f"vertex {ids[worst]}: rank {ours[worst]:.6f} (rescaled), the RDD-join's "
                             f"{theirs[worst]:.6f}")
    return difference


def partition_of(labels: dict) -> dict:
    """Each vertex mapped to the smallest vertex of its group: a partition's canonical labels."""
    smallest: dict = {}
    for vertex, label in labels.items():
        smallest[label] = min(vertex, smallest.get(label, vertex))
    return {vertex: smallest[label] for vertex, label in labels.items()}


def check_components(ours: dict, theirs: dict, whose: str) -> int:
    """The number of components, after checking the two labellings make the same partition."""
    mine, other = partition_of(ours), partition_of(theirs)
    if mine.keys() != other.keys():
        raise AssertionError(f"components cover {len(mine)} vertices, {whose}'s {len(other)}")
    wrong = [v for v in mine if mine[v] != other[v]]
    if wrong:
        raise AssertionError(f"{len(wrong)} vertices are grouped differently than by {whose}, e.g. vertex "
                             f"{wrong[0]}: with {mine[wrong[0]]} here, with {other[wrong[0]]} there")
    return len(set(mine.values()))


def check(results: dict) -> list:
    """Every comparison the run can make; lines saying what agreed."""
    lines = []
    reference = results.get("sparklite") or results.get("ray")
    if reference and "rdd-join" in results:
        difference = check_ranks(reference["ranks"], results["rdd-join"]["ranks"])
        lines.append(f"PageRank: {len(reference['ranks']):,} ranks equal to the RDD-join's after scaling to one "
                     f"sum (largest difference {difference:.1e}; it rounds to 4 decimals)")
    if reference and "networkx" in results:
        count = check_components(reference["components"], results["networkx"]["components"], "networkx")
        lines.append(f"Connected components: {count:,}, the same partition as networkx's")
    if "sparklite" in results and "ray" in results:
        ours, ray = results["sparklite"], results["ray"]
        ids = list(ours["ranks"])
        if ray["ranks"].keys() != ours["ranks"].keys() or not np.allclose(
                [ray["ranks"][v] for v in ids], [ours["ranks"][v] for v in ids], rtol=1e-9, atol=0):
            raise AssertionError("Ray's ranks differ from local[2]'s")
        check_components(ray["components"], ours["components"], "local[2]")
        lines.append("Ray: the same ranks (to 1e-9) and components as local[2]")
    return lines


def _cell(result: dict | None, key: str, scale: float = 1.0, digits: int = 2) -> str:
    if not result or key not in result:
        return "-"
    return f"{result[key] * scale:.{digits}f}"


def _ratio(numerator: dict | None, denominator: dict | None, key: str) -> float | None:
    if not numerator or not denominator:
        return None
    return numerator[key] / denominator[key]


def report(results: dict) -> tuple[str, list]:
    """The times, the ratios with their floors, and the floor checks ``(figure, value, limit, sense)``."""
    names = [("sparklite", "sparklite local[2]"), ("ray", "sparklite on Ray"), ("rdd-join", "RDD-join local[2]"),
             ("networkx", "networkx")]
    shown = [(e, label) for e, label in names if e in results]
    lines = ["| figure | " + " | ".join(label for _, label in shown) + " |", "|---|" + "---:|" * len(shown)]
    rows = [("build the graph (s)", "build_s", 1.0, 2), (f"PageRank, {ITERATIONS} iterations (s)", "pagerank_s", 1.0, 2),
            ("PageRank per later iteration (ms)", "iteration_s", 1000.0, 1),
            ("connected components (s)", "components_s", 1.0, 2)]
    for figure, key, scale, digits in rows:
        lines.append(f"| {figure} | " + " | ".join(_cell(results[e], key, scale, digits) for e, _ in shown) + " |")
    floors = [("PageRank per later iteration: RDD-join's / sparklite's", "rdd-join", "iteration_s", 5.0, ">="),
              ("PageRank total: sparklite's / networkx's", "networkx", "pagerank_s", 10.0, "<="),
              ("connected components total: sparklite's / networkx's", "networkx", "components_s", 10.0, "<=")]
    lines += ["", "| ratio | local[2] | Ray | floor (local[2]) | met |", "|---|---:|---:|---|---|"]
    checks = []
    for figure, other, key, limit, sense in floors:
        values = {}
        for engine in GRAPHX:
            pair = (results.get(other), results.get(engine)) if sense == ">=" else (results.get(engine), results.get(other))
            values[engine] = _ratio(*pair, key)
        local = values["sparklite"]
        verdict = "-" if local is None else ("yes" if met(local, limit, sense) else "NO")
        cells = " | ".join("-" if values[e] is None else f"{values[e]:.2f}x" for e in GRAPHX)
        lines.append(f"| {figure} | {cells} | {sense} {limit:g}x | {verdict} |")
        if local is not None:
            checks.append((figure, local, limit, sense))
    return "\n".join(lines), checks


def run_engine(engine: str, src, dst, path: str, partitions: int) -> dict:
    if engine in GRAPHX:
        return run_graphx(GRAPHX[engine], src, dst, partitions)
    if engine == "rdd-join":
        return run_rdd_join(path, partitions)
    return run_networkx(src, dst)


def _record(result: dict) -> dict:
    return {key: value for key, value in result.items() if key not in ("ranks", "components")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    src, dst, path = graph_at(args.edges, args.seed)
    vertices = len(np.union1d(src, dst))
    print(f"graph: {args.edges:,} edges over {vertices:,} vertices "
          f"({vertices - len(np.unique(src)):,} dangling), seed {args.seed}", file=sys.stderr)
    results = {}
    for engine in [e for e in args.engines.split(",") if e]:
        needs = {"ray": "ray", "networkx": "networkx"}.get(engine)
        if needs and importlib.util.find_spec(needs) is None:
            print(f"{engine}: not installed, skipped", file=sys.stderr)
            continue
        print(f"{engine}: running ...", file=sys.stderr)
        results[engine] = run_engine(engine, src, dst, path, args.partitions)
        print(f"{engine}: {_record(results[engine])}", file=sys.stderr)
    agreed = check(results)
    table, checks = report(results)
    print(f"Graph: {args.edges:,} edges, {vertices:,} vertices; {args.partitions} partitions\n")
    print(table)
    print("\n" + "\n".join(agreed))
    for figure, value, limit, sense in checks:
        print(f"{figure}: {value:.2f}x (floor {sense} {limit:g}x) {'met' if met(value, limit, sense) else 'MISSED'}")
    return save_record("graph_bench", {"edges": args.edges, "vertices": vertices, "seed": args.seed,
                                       "partitions": args.partitions, "checks": agreed,
                                       "results": {e: _record(r) for e, r in results.items()}}, checks)


if __name__ == "__main__":
    sys.exit(main())
