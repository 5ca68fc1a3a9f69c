"""PageRank as GraphX computes it (``PageRank.scala``), on whole columns.

Every edge carries the weight ``1 / outDegree(src)``. ``run`` iterates ``rank = reset + (1 - reset) *
sum(rank_src * weight)`` a fixed number of times from 1.0 (personalised: 1.0 at the source, reset only
there); ``runUntilConvergence`` is the delta form on Pregel, sending only changes above ``tol``. Vertices
without out-edges leak their rank, so the result is rescaled at the end (SPARK-18847): to sum to the number
of vertices, or to 1 when personalised. Each iteration's time is kept on the result (``iteration_seconds``).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from sparklite.graph.partitions import SRC, EdgePartition
from sparklite.graph.pregel import LineageCutter, count_vertices, run_pregel


def _weighted(graph):
    """The graph with out-degrees as vertex attributes and ``1 / outDegree(src)`` on every edge."""
    degrees = graph._degree_parts("Out")
    with_degrees = graph._join_columns(degrees, lambda ids, attrs, found, values: np.where(found, values, 0).astype(np.int64))
    return with_degrees._map_triplet_columns(lambda p: p.with_attr(1.0 / p.src_attr()), SRC)


def _contributions(part: EdgePartition):
    ranks = part.src_attr()
    weights = part.attr if ranks.ndim == 1 else part.attr[:, None]
    return [(part.dst_i, ranks * weights)]


def _check(reset_prob: float, num_iter: int | None = None, tol: float | None = None):
    if not 0 <= reset_prob <= 1:
        raise ValueError(f"Random reset probability must belong to [0, 1], but got {reset_prob}")
    if num_iter is not None and num_iter <= 0:
        raise ValueError(f"Number of iterations must be greater than 0, but got {num_iter}")
    if tol is not None and tol < 0:
        raise ValueError(f"Tolerance must be no less than 0, but got {tol}")


def _iterate(graph, num_iter: int, reset_of):
    """``num_iter`` static iterations; ``reset_of(ids, shape)`` is the reset term of each vertex."""
    cutter = LineageCutter(graph._vparts.ctx)
    times, previous = [], []

    def step(ids, attrs, found, values):
        received = np.where(found if values.ndim == 1 else found[:, None], values, 0.0)
        return reset_of(ids, attrs.shape) + (1.0 - reset_of.reset_prob) * received
    for i in range(num_iter):
        start = time.perf_counter()
        updates = graph._message_parts(_contributions, "sum", SRC)
        new = graph._join_columns(updates, step)
        new._vparts.persist()
        cutter.update(i + 1, new._vparts, graph._view)
        count_vertices(new._vparts)
        for old in previous[:-1]:
            old.unpersistVertices()
        previous = previous[-1:] + [graph]
        graph = new
        times.append(time.perf_counter() - start)
    return graph, times


class _Reset:
    def __init__(self, reset_prob: float, sources: list | None):
        self.reset_prob, self.sources = reset_prob, sources

    def __call__(self, ids: np.ndarray, shape: tuple) -> np.ndarray:
        if self.sources is None:
            return np.full(shape, self.reset_prob)
        out = np.zeros(shape)
        for k, source in enumerate(self.sources):
            hit = ids == source
            if len(shape) == 1:
                out[hit] = self.reset_prob
            else:
                out[hit, k] = self.reset_prob
        return out


def _normalized(graph, personalized: bool):
    total = graph._vparts.map(lambda p: p.attrs.sum(axis=0)).reduce(lambda a, b: a + b)
    if personalized:
        return graph._map_vertex_columns(lambda ids, attrs: attrs / total)
    factor = graph.numVertices / total
    return graph._map_vertex_columns(lambda ids, attrs: attrs * factor)


class PageRank:
    """GraphX's PageRank: static, until convergence, personalised and parallel personalised."""

    @staticmethod
    def run(graph, numIter: int, resetProb: float = 0.15, srcId: int | None = None):
        """``numIter`` iterations (personalised to ``srcId`` when given); vertex attribute: the rank."""
        _check(resetProb, numIter)
        sources = None if srcId is None else [srcId]
        ranks = _weighted(graph)._map_vertex_columns(
            lambda ids, attrs: np.ones(len(ids)) if sources is None else (ids == sources[0]).astype(np.float64))
        ranks, times = _iterate(ranks, numIter, _Reset(resetProb, sources))
        result = _normalized(ranks, srcId is not None)
        result.iteration_seconds = times
        return result

    @staticmethod
    def runParallelPersonalizedPageRank(graph, numIter: int, resetProb: float = 0.15, sources: list = ()):
        """Personalised PageRank for every source at once; vertex attribute: the list of its ranks, one per
        source, each source's ranks summing to 1."""
        _check(resetProb, numIter)
        sources = [int(s) for s in sources]
        if not sources:
            raise ValueError("The list of sources must be non-empty")

        def start(ids, attrs):
            return (ids[:, None] == np.array(sources, dtype=np.int64)[None, :]).astype(np.float64)
        ranks, times = _iterate(_weighted(graph)._map_vertex_columns(start), numIter, _Reset(resetProb, sources))
        result = _normalized(ranks, True)
        result = result.mapVertices(lambda vid, attr: list(attr))
        result.iteration_seconds = times
        return result

    @staticmethod
    def runUntilConvergence(graph, tol: float, resetProb: float = 0.15, srcId: int | None = None):
        """Pregel until no rank changes by more than ``tol`` (personalised to ``srcId`` when given)."""
        _check(resetProb, tol=tol)
        personalized = srcId is not None

        def start(ids, attrs):
            out = np.zeros((len(ids), 2))
            if personalized:
                out[ids == srcId, 1] = -np.inf
            return out

        def vprog(ids, attrs, messages):
            old = attrs[:, 0]
            new = old + (1.0 - resetProb) * messages
            if personalized:
                new = np.where(attrs[:, 1] == -np.inf, 1.0, new)
            return np.stack([new, new - old], axis=1)

        def send(part: EdgePartition):
            delta = part.src_attr()[:, 1]
            hot = delta > tol
            return [(part.dst_i[hot], delta[hot] * part.attr[hot])]
        initial = 0.0 if personalized else resetProb / (1.0 - resetProb)
        ranks = run_pregel(_weighted(graph)._map_vertex_columns(start), initial, vprog, send, "sum", SRC,
                           sys.maxsize, "Out")
        result = _normalized(ranks._map_vertex_columns(lambda ids, attrs: attrs[:, 0].copy()), personalized)
        result.converged, result.iterations = ranks.converged, ranks.iterations
        return result
