"""Shortest paths to landmarks (GraphX's ``ShortestPaths``): for every vertex, the number of hops along
edge directions from it to each landmark it can reach."""
from __future__ import annotations


def _merged(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        if k not in out or v < out[k]:
            out[k] = v
    return out


class ShortestPaths:
    """Unweighted hop counts to a set of landmark vertices, by Pregel messages from destinations to sources."""

    @staticmethod
    def run(graph, landmarks: list):
        """Vertex attribute: a dict ``{landmark: hops}``; unreachable landmarks are absent."""
        marks = set(int(x) for x in landmarks)

        def send(t):
            farther = {k: v + 1 for k, v in t.dstAttr.items()}
            return [(t.srcId, farther)] if t.srcAttr != _merged(farther, t.srcAttr) else []
        start = graph.mapVertices(lambda vid, _: {vid: 0} if vid in marks else {})
        return start.pregel({}, lambda vid, attr, msg: _merged(attr, msg), send, _merged)
