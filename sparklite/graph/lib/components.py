"""Connected and strongly connected components (GraphX's ``ConnectedComponents`` and
``StronglyConnectedComponents``): every vertex labelled with the smallest vertex id of its component."""
from __future__ import annotations

import sys

import numpy as np

from sparklite.graph.edges import EdgeDirection
from sparklite.graph.partitions import DST, SRC, EdgePartition
from sparklite.graph.pregel import run_pregel


def _smaller_label(part: EdgePartition):
    s, d = part.src_attr(), part.dst_attr()
    forward, backward = s < d, d < s
    return [(part.dst_i[forward], s[forward]), (part.src_i[backward], d[backward])]


def _keep_min(ids, attrs, messages):
    return np.minimum(attrs, messages)


class ConnectedComponents:
    """Weakly connected components by min-label propagation on Pregel, in both directions."""

    @staticmethod
    def run(graph, maxIterations: int = sys.maxsize):
        """Vertex attribute: the smallest id in the vertex's component (after at most ``maxIterations``
        supersteps; ``converged`` on the result says whether labels had settled)."""
        if maxIterations <= 0:
            raise ValueError(f"Maximum of iterations must be greater than 0, but got {maxIterations}")
        labels = graph._map_vertex_columns(lambda ids, attrs: ids.copy())
        return run_pregel(labels, sys.maxsize, _keep_min, _smaller_label, "min", SRC | DST, maxIterations,
                          EdgeDirection.Either)


class StronglyConnectedComponents:
    """GraphX's algorithm: trim vertices without in- or out-edges (each its own component), colour the rest
    by forward min-propagation, then grow each colour's component backwards from its root; repeat on what
    is left, at most ``numIter`` times."""

    @staticmethod
    def run(graph, numIter: int):
        """Vertex attribute: the smallest id in the vertex's strongly connected component."""
        if numIter <= 0:
            raise ValueError(f"Number of iterations must be greater than 0, but got {numIter}")
        scc = graph.mapVertices(lambda vid, _: vid).cache()
        work = graph.mapVertices(lambda vid, _: (vid, False)).cache()
        remaining = work.numVertices
        iteration = 0
        while remaining > 0 and iteration < numIter:
            iteration += 1
            work, scc = _trim(work, scc)
            work = work.mapVertices(lambda vid, attr: (vid, attr[1]))
            work = work.pregel(sys.maxsize, lambda vid, attr, msg: (min(attr[0], msg), attr[1]),
                               lambda t: [(t.dstId, t.srcAttr[0])] if t.srcAttr[0] < t.dstAttr[0] else [],
                               min, activeDirection=EdgeDirection.Out)
            work = work.pregel(False, lambda vid, attr, msg: (attr[0], attr[1] or vid == attr[0] or msg),
                               _send_final_backwards, lambda a, b: a or b, activeDirection=EdgeDirection.In)
            work, scc = _retire_final(work, scc)
            remaining = work.numVertices
        return scc


def _send_final_backwards(t):
    same_colour = t.srcAttr[0] == t.dstAttr[0]
    only_dst_final = t.dstAttr[1] and not t.srcAttr[1]
    return [(t.srcId, True)] if same_colour and only_dst_final else []


def _trim(work, scc):
    """Mark vertices with no in- or no out-edge (within what is left) final, record them, and drop them,
    until none is left to drop."""
    while True:
        before = work.numVertices
        work = work.outerJoinVertices(work.outDegrees, lambda vid, attr, deg: attr if deg is not None else (vid, True))
        work = work.outerJoinVertices(work.inDegrees, lambda vid, attr, deg: attr if deg is not None else (vid, True))
        work, scc = _retire_final(work, scc)
        if work.numVertices >= before:
            return work, scc


def _retire_final(work, scc):
    """Record the final vertices' colours as their components and drop them from what is left."""
    finished = work.vertices.filter(lambda kv: kv[1][1])
    scc = scc.outerJoinVertices(finished, lambda vid, label, done: done[0] if done is not None else label).cache()
    return work.subgraph(vpred=lambda vid, attr: not attr[1]).cache(), scc
