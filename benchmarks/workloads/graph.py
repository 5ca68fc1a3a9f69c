"""PageRank on a Zipfian graph, the RDD paper's program: with and without co-partitioned links,
and as one MapReduce job per iteration that re-reads the graph with the ranks."""
from __future__ import annotations

import os
import time
from operator import add

import numpy as np

from benchmarks.mapreduce import MapReduceJob, read_output, run_job


def zipf_graph_at(path: str, nodes: int, edges_per_node: float = 8.0, seed: int = 21) -> str:
    """Edges ``src dst``: out-degrees and in-link targets both follow Zipf laws."""
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    degrees = np.minimum(rng.zipf(2.0, size=nodes), nodes // 2 + 1)
    degrees = np.maximum(1, (degrees * edges_per_node / degrees.mean()).astype(np.int64))
    src = np.repeat(np.arange(nodes), degrees)
    dst = (rng.zipf(1.3, size=len(src)) - 1) % nodes
    keep = src != dst
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(f"n{s} n{d}" for s, d in zip(src[keep].tolist(), dst[keep].tolist())) + "\n")
    os.replace(path + ".tmp", path)
    return path


def _rounded(pairs) -> dict:
    return {node: round(rank, 4) for node, rank in pairs}


def pagerank_sparklite(sc, path: str, iterations: int, partitions: int = 4, copartition: bool = True):
    """Returns (ranks, seconds per iteration); iteration 1 also reads the graph and caches the links."""
    edges = sc.textFile(path).map(lambda line: tuple(line.split()))
    links = edges.groupByKey(partitions).mapValues(list).cache()
    ranks = links.mapValues(lambda _: 1.0)
    # Without co-partitioning the ranks are spread over another partition count, so every join shuffles both sides.
    rank_partitions = partitions if copartition else partitions + 1
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        contributions = links.join(ranks).flatMap(
            lambda kv: [(dst, kv[1][1] / len(kv[1][0])) for dst in kv[1][0]])
        ranks = contributions.reduceByKey(add, rank_partitions).mapValues(lambda r: 0.15 + 0.85 * r).cache()
        ranks.count()
        times.append(time.perf_counter() - start)
    result = _rounded(ranks.collect())
    links.unpersist()
    return result, times


def _state_line(node, rank, adjacency) -> str:
    return f"{node}\t{'' if rank is None else repr(rank)}\t{','.join(adjacency)}"


def pagerank_mapreduce(sc, path: str, iterations: int, work: str, partitions: int = 4):
    """The graph and the ranks travel together through every job, as MapReduce PageRank does."""
    state = os.path.join(work, "pagerank-0")
    os.makedirs(state)
    adjacency: dict = {}
    with open(path) as f:
        for line in f:
            src, dst = line.split()
            adjacency.setdefault(src, []).append(dst)
    with open(os.path.join(state, "part-r-00000"), "w") as f:   # the initial job: ranks 1.0
        f.write("\n".join(_state_line(n, 1.0, adj) for n, adj in adjacency.items()) + "\n")

    def mapper(line):
        node, rank, adj = line.split("\t")
        targets = adj.split(",") if adj else []
        yield node, ("adj", targets)
        if rank and targets:
            share = float(rank) / len(targets)
            for dst in targets:
                yield dst, ("rank", share)

    def reducer(node, values):
        total, targets, got = 0.0, [], False
        for kind, value in values:
            if kind == "adj":
                targets = value
            else:
                total += value
                got = True
        yield _state_line(node, 0.15 + 0.85 * total if got else None, targets)

    times = []
    for i in range(iterations):
        start = time.perf_counter()
        out = os.path.join(work, f"pagerank-{i + 1}")
        run_job(sc, MapReduceJob(mapper, reducer, num_reducers=partitions), state, out)
        state = out
        times.append(time.perf_counter() - start)
    ranks = []
    for line in read_output(state):
        node, rank, _ = line.split("\t")
        if rank:
            ranks.append((node, float(rank)))
    return _rounded(ranks), times
